"""Smoke tests: the benchmarks run with tiny counts and print their tables (no speed asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent


def test_throughput_benchmark_prints_its_table() -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--requests", "5", "--rounds", "2",
         "--warmup", "2"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("open", "view", "view+revoke", "view-cache", "manual", "view(sync)", "jwt.decode"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), (name, out)
    assert "median/s" in out and "min/s" in out and "max/s" in out
    assert "ProtectedView(async) / hand-written" in out
    assert "target: async ProtectedView >= 0.90x hand-written PyJWT route" in out
    assert ("PASS" in out) != ("MISS" in out)
    assert "fastapi " in out and "starlette " in out and "pyjwt " in out


def test_revocation_stores_benchmark_prints_its_table(redis_server: RedisServer) -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "revocation_stores.py"), "--requests", "5", "--rounds",
         "2", "--warmup", "2", "--concurrency", "2", "--redis-url", redis_server.url],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("no-revoke", "memory", "redis"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), (name, out)
    assert "median/s" in out and "redis / memory:" in out and "redis-server 6." in out
    assert "concurrency 2" in out
