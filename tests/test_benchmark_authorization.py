"""Smoke test: benchmarks/authorization.py runs with tiny counts and prints its table (no speed asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_authorization_benchmark_prints_its_table() -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    arguments = ["--requests", "5", "--rounds", "2", "--warmup", "2", "--number", "10"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "authorization.py"), *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("view", "view+scopes", "route-scopes", "typed", "typed+scopes"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), (name, out)
    assert "check_scopes, 2 of 20" in out and "validate_claims, 12 fields" in out
    assert "target: view+scopes adds <= 5 us per request" in out
    assert "target: typed adds <= 5 us per request" in out
