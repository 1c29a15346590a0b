"""``examples/redis_app.py`` under ``uvicorn --workers 2``: a token revoked in one worker is refused by both.

This is what the memory store cannot do. Every request goes on a fresh connection (``Connection: close``,
no keep-alive), so the kernel hands each one to whichever worker accepts it first; the ``X-Worker`` header
the example sets tells which process answered, refusals included.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
MAX_TRIES = 300  # requests allowed to reach both (running) workers; each is a new connection, a few ms


@pytest.fixture(params=["off", "pubsub"])
def server_url(
    request: pytest.FixtureRequest, redis_server: RedisServer, redis_prefix: str, tmp_path: Path
) -> Iterator[str]:
    port = free_port()
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("AUTHJWT_")},
        "PYTHONPATH": path,
        "AUTHJWT_SECRET_KEY": secrets.token_hex(32),
        "AUTHJWT_REDIS_URL": redis_server.url,
        "AUTHJWT_REDIS_KEY_PREFIX": redis_prefix,
        "AUTHJWT_REDIS_CACHE": request.param,
    }
    command = [sys.executable, "-m", "uvicorn", "examples.redis_app:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    with (tmp_path / "uvicorn.log").open("w+b") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, process, log)
            yield url
        finally:
            graceful = _terminate(process)
        assert "Traceback" not in _log_text(log), _log_text(log)  # nor at shutdown (closing the store)
        assert graceful, f"uvicorn did not exit within 10 s of SIGTERM: {_log_text(log)}"


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: IO[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=1) as client:
        while True:
            assert process.poll() is None, f"uvicorn exited with {process.returncode}: {_log_text(log)}"
            assert time.monotonic() < deadline, f"uvicorn did not answer within {timeout} s: {_log_text(log)}"
            try:
                if client.get("/user").status_code == 401:  # no token: the app itself answered
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)


def _log_text(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]


def _terminate(process: subprocess.Popen[bytes]) -> bool:
    """End uvicorn and its workers: the whole process group it leads. False when it had to be killed (a
    shutdown that hangs, e.g. on a store that does not close)."""
    graceful = True
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            graceful = False
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # workers the manager could not reap
        os.killpg(process.pid, signal.SIGKILL)
    return graceful


def _client(url: str) -> httpx.Client:
    """A client that opens a new connection for every request."""
    return httpx.Client(
        base_url=url,
        timeout=5,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"Connection": "close"},
    )


def _until_both_workers(
    client: httpx.Client, token: str, *, at_least: int, max_tries: int, pause: float = 0
) -> list[httpx.Response]:
    """GET /user ``at_least`` times, and on until two workers have answered (at most ``max_tries``)."""
    responses: list[httpx.Response] = []
    workers: set[str] = set()
    while len(responses) < max_tries and (len(responses) < at_least or len(workers) < 2):
        response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
        responses.append(response)
        workers.add(response.headers["X-Worker"])
        time.sleep(pause)
    assert len(workers) == 2, f"only worker {workers} answered {len(responses)} requests"
    return responses


def test_redis_workers_revocation_in_one_worker_is_refused_by_all(server_url: str) -> None:
    with _client(server_url) as client:
        response = client.post("/login", json={"username": "test", "password": "test"})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]

        # The second worker may still be starting: up to ~10 s of requests, 10 ms apart.
        before = _until_both_workers(client, token, at_least=2, max_tries=1000, pause=0.01)
        assert all(r.status_code == 200 for r in before)
        assert {r.json()["worker"] for r in before} == {int(r.headers["X-Worker"]) for r in before}

        response = client.post("/logout", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json()["detail"] == "Access token revoked"
        time.sleep(0.1)  # AUTHJWT_REDIS_CACHE=pubsub promises every worker refuses it 50 ms after the answer

        after = _until_both_workers(client, token, at_least=40, max_tries=MAX_TRIES)
        assert [(r.status_code, r.json()) for r in after] == [
            (401, {"detail": "Token has been revoked"})
        ] * len(after)
