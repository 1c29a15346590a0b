"""The benchmarks of docs/performance.md run (tiny sizes), so that none can rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_revocation_check_prints_its_figure() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "revocation_check.py"), "--calls", "10"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "us per request" in result.stdout
