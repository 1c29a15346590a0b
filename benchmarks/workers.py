"""uvicorn's multi-worker mode and ``TCP_NODELAY``: req/s and latency per way of serving, over HTTP with wrk.

Serves a plain FastAPI app (no fastapi-jwt-views) and ``examples/basic.py`` (``GET /user`` with a token) in
several ways, asks each connection whether it has ``TCP_NODELAY`` (``benchmarks/_workers_app.py``), and drives
each with wrk (one thread, 16 keep-alive connections, loopback; the server pinned to CPU 0, wrk to CPU 1),
in interleaved rounds; it prints min-max over rounds. A server is ``RUNNER[:LOOP[:HTTP]]``:

* RUNNER: ``single`` (``uvicorn APP``), ``w1`` / ``w2`` (``--workers 1`` / ``2``), ``gunicorn2``
  (``gunicorn -w 2 -k uvicorn.workers.UvicornWorker``; ``gunicorn2:asyncio:h11`` is ``UvicornH11Worker``);
* LOOP: ``auto`` (uvloop when installed), ``asyncio``, ``uvloop``, ``nodelay`` (``examples/nodelay_loop.py``);
* HTTP: ``auto`` (httptools when installed), ``h11``, ``httptools``.

    python benchmarks/workers.py                       # every server below, both apps, 3 rounds of 5 s
    python benchmarks/workers.py --servers w2,w2:asyncio --apps plain --duration 10 --rounds 5
    python benchmarks/workers.py --smoke               # no wrk: --workers 2 servers and their TCP_NODELAY
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("single,w1,w2,single:asyncio,w2:asyncio,w2:uvloop,w2:asyncio:h11,w2:auto:h11,w2:nodelay,"
           "gunicorn2,gunicorn2:asyncio:h11")
SMOKE_SERVERS = "w2,w2:uvloop,w2:nodelay,w2:asyncio"
RECOMMENDED = ("w2:uvloop", "w2:nodelay")  # the commands docs/deployment.md recommends
LOOPS = {"auto": "auto", "asyncio": "asyncio", "uvloop": "uvloop",
         "nodelay": "examples.nodelay_loop:NoDelayEventLoop"}
HTTPS = ("auto", "h11", "httptools")
APPS = {"plain": ("_workers_app:plain", "/"), "view": ("_workers_app:view", "/user")}


class BenchmarkError(Exception):
    """A server did not start, or wrk failed."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command(server: str, app: str, port: int) -> tuple[list[str], int]:
    """The command line serving ``app`` as ``server`` says, and how many workers it runs."""
    runner, loop, http_impl = [*server.split(":"), "auto", "auto"][:3]
    if loop not in LOOPS or http_impl not in HTTPS:
        raise BenchmarkError(f"unknown loop or http in {server!r}")
    if runner == "gunicorn2":
        workers = {("auto", "auto"): "UvicornWorker", ("asyncio", "h11"): "UvicornH11Worker"}
        worker = workers.get((loop, http_impl))
        if worker is None:
            raise BenchmarkError(f"gunicorn2 takes no loop or http but asyncio:h11, not {server!r}")
        return [sys.executable, "-m", "gunicorn", app, "-w", "2", "-k", f"uvicorn.workers.{worker}",
                "-b", f"127.0.0.1:{port}", "--log-level", "warning"], 2
    option = {"single": [], "w1": ["--workers", "1"], "w2": ["--workers", "2"]}.get(runner)
    if option is None:
        raise BenchmarkError(f"unknown runner in {server!r}")
    args = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--loop", LOOPS[loop], "--http", http_impl, "--log-level", "warning", "--no-access-log", *option]
    return args, 2 if runner == "w2" else 1


def pinned(cpu: int, args: list[str], pin: bool) -> list[str]:
    return ["taskset", "-c", str(cpu), *args] if pin else args


def request(port: int, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request on a new connection (so that the kernel may give it to any worker)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Server:
    """``server`` serving ``app`` in a process group of its own, started at once; ``ready()`` waits for it."""

    def __init__(self, server: str, app: str, pin: bool) -> None:
        self.name, self.port = server, free_port()
        args, self.workers = command(server, APPS[app][0], self.port)
        path = [str(ROOT), str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")]
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("AUTHJWT_")}
        env.update(PYTHONPATH=os.pathsep.join(filter(None, path)), AUTHJWT_SECRET_KEY=secrets.token_hex(32))
        self.process = subprocess.Popen(pinned(0, args, pin), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)

    def ready(self, timeout: float = 60) -> Server:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                raise BenchmarkError(f"{self.name} exited: {error}")
            if time.monotonic() > deadline:
                raise BenchmarkError(f"{self.name} did not answer within {timeout} s")
            with contextlib.suppress(OSError):
                if request(self.port, "GET", "/_nodelay")[0] == 200:
                    return self
            time.sleep(0.05)

    def stop(self) -> None:
        """End the server and its workers: the whole process group it leads."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with contextlib.suppress(ProcessLookupError):  # workers the manager could not reap
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.stderr.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def serving(servers: list[str], app: str, pin: bool) -> Iterator[list[Server]]:
    """Run every one of ``servers`` serving ``app`` (started together) until the block ends."""
    started: list[Server] = []
    try:
        for name in servers:
            started.append(Server(name, app, pin))
        yield [server.ready() for server in started]
    finally:
        for server in started:
            server.stop()


def probe(port: int, workers: int, timeout: float = 20) -> dict[int, set[int | None]]:
    """``TCP_NODELAY`` of new connections, per worker process, until every worker answered (at least 4)."""
    seen: dict[int, set[int | None]] = {}
    deadline = time.monotonic() + timeout
    tries = 0
    while (len(seen) < workers or tries < 4) and time.monotonic() < deadline:
        report = json.loads(request(port, "GET", "/_nodelay")[1])
        seen.setdefault(report["pid"], set()).add(report["nodelay"])
        tries += 1
        time.sleep(0.01)
    return seen


def nodelay_word(seen: dict[int, set[int | None]]) -> str:
    values = frozenset(value for values in seen.values() for value in values)
    words: dict[frozenset[int | None], str] = {frozenset({1}): "on", frozenset({0}): "OFF"}
    return words.get(values, "mixed")


def wrk(port: int, app: str, args: argparse.Namespace) -> tuple[float, float, float]:
    """req/s, average and 99th-percentile latency in ms of one wrk run against ``app``."""
    path, headers = APPS[app][1], []
    if app == "view":
        status, body = request(port, "POST", "/login", {"username": "test", "password": "test"})
        if status != 200:
            raise BenchmarkError(f"login answered {status}: {body[:200]!r}")
        headers = ["-H", f"Authorization: Bearer {json.loads(body)['access_token']}"]
    wrk_args = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency", *headers,
                f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(pinned(1, wrk_args, args.pin), capture_output=True, text=True, check=False).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    avg = re.search(r"Latency\s+([\d.]+)(us|ms|s)\b", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if not (rps and avg and p99) or "Non-2xx" in out:
        raise BenchmarkError(f"unexpected wrk output:\n{out}")
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    avg_ms, p99_ms = (float(m.group(1)) * scale[m.group(2)] for m in (avg, p99))
    return float(rps.group(1)), avg_ms, p99_ms


def versions() -> str:
    names = ("uvicorn", "uvloop", "httptools", "gunicorn", "fastapi")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} -")
    return ", ".join(found) + f", Python {sys.version.split()[0]}"


def span(values: list[float], fmt: str) -> str:
    return f"{min(values):{fmt}}-{max(values):{fmt}}"


def smoke(args: argparse.Namespace) -> None:
    """Start every server at once, report each worker's ``TCP_NODELAY`` and the median keep-alive latency."""
    app = args.apps[0]
    print(versions())
    print(f"{'server':24} {'app':5} {'nodelay':8} {'workers':>7} {'keep-alive ms':>14}  recommended")
    with serving(args.servers, app, pin=False) as running:
        for server in running:
            seen = probe(server.port, server.workers)
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            timings = []
            for _ in range(args.requests):
                start = time.perf_counter()
                connection.request("GET", "/_nodelay")
                connection.getresponse().read()
                timings.append((time.perf_counter() - start) * 1e3)
            connection.close()
            word = "yes" if server.name in RECOMMENDED else "-"
            print(f"{server.name:24} {app:5} {nodelay_word(seen):8} {len(seen):>7} "
                  f"{statistics.median(timings):>14.2f}  {word}")


def main(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (use --smoke to check TCP_NODELAY without it)")
    has_gunicorn = importlib.util.find_spec("gunicorn") is not None
    servers = [server for server in args.servers if has_gunicorn or not server.startswith("gunicorn")]
    load = os.getloadavg()[0]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    nodelay: dict[tuple[str, str], dict[int, set[int | None]]] = {}
    for _ in range(args.rounds):
        for app in args.apps:
            for server in servers:
                with serving([server], app, args.pin) as (running,):
                    for pid, values in probe(running.port, running.workers).items():
                        nodelay.setdefault((app, server), {}).setdefault(pid, set()).update(values)
                    results.setdefault((app, server), []).append(wrk(running.port, app, args))
    print(versions())
    where = "server on CPU 0, wrk on CPU 1" if args.pin else "not pinned"
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} rounds, loopback, {where}; "
          "min-max over rounds")
    print(f"load average (1 min) {load:.2f} before, {os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPUs")
    print(f"{'app':5} {'server':24} {'nodelay':8} {'req/s median':>12} {'min-max':>11} {'avg ms median':>13} "
          f"{'min-max':>11} {'p99 ms':>11}")
    for (app, server), runs in results.items():
        rps, avg, p99 = ([run[i] for run in runs] for i in range(3))
        word = nodelay_word(nodelay[(app, server)])
        print(f"{app:5} {server:24} {word:8} {statistics.median(rps):>12.0f} {span(rps, '.0f'):>11} "
              f"{statistics.median(avg):>13.2f} {span(avg, '.2f'):>11} {span(p99, '.1f'):>11}")


if __name__ == "__main__":
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--servers", default=None, help=f"comma-separated (default: {SERVERS})")
    parser.add_argument("--apps", default="plain,view", help="comma-separated: plain, view")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20, help="keep-alive requests per server (--smoke)")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin with taskset")
    parser.add_argument("--smoke", action="store_true", help="no wrk: TCP_NODELAY of --workers 2 servers")
    parsed = parser.parse_args()
    parsed.servers = (parsed.servers or (SMOKE_SERVERS if parsed.smoke else SERVERS)).split(",")
    parsed.apps = parsed.apps.split(",") if not parsed.smoke or parsed.apps != "plain,view" else ["view"]
    parsed.pin = parsed.pin and shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2
    try:
        smoke(parsed) if parsed.smoke else main(parsed)
    except BenchmarkError as error:
        raise SystemExit(f"error: {error}") from None
