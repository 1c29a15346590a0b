"""Smoke test: ``benchmarks/compat.py`` runs with tiny counts and prints its table (no speed asserted)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_compat_benchmark_prints_its_table() -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "compat.py"),
            "--requests",
            "5",
            "--rounds",
            "2",
            "--warmup",
            "2",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in ("manual", "view", "compat", "compat(sync)", "fork", "view+cb", "compat+cb"):
        assert any(line.startswith(name + " ") for line in lines), (name, result.stdout)
    assert "target: compat >= 1.00x hand-written" in result.stdout
    assert "target: compat within 10% of view" in result.stdout
