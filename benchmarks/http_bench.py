"""Requests/second and latency over HTTP: uvicorn (one worker) serving contract apps, driven by wrk.

What is measured
----------------
Each app of ``benchmarks/peer_apps`` serves the same contract (``_contract.py``): ``GET /open`` (no auth),
``POST /login`` (checks a password, issues an access and a refresh token) and ``GET /protected``
(answers the identity of a valid access token). This script compares two of them, in this environment:

* ``ours`` -- ``app_ours.py``: the login route and a ``ProtectedView`` on an included ``APIRouter``, as the
  README writes them, with the in-memory revocation check on, and the library's token pair (the open
  route is on the app itself, as in every contract app, so that the floor is the same);
* ``handwritten`` -- ``app_handwritten.py``: an ``async`` PyJWT dependency on ``@app.get`` in an app of its
  own, which issues its own tokens (HS256, ``sub``, ``exp`` and ``type``);
* ``ours-unauthenticated`` -- ``app_ours_floor.py``: ``app_ours.py`` with ``/protected`` answering without
  reading any token (an open function route in the view's place). Its protected/open ratio is the ceiling
  of ours: what FastAPI's routing to an included router costs, with no authentication at all. It is only
  checked to answer 200 with the same body (it refuses nothing by design).

Each app runs in its own ``uvicorn`` process (one worker, uvloop and httptools, access log off) pinned to
CPU 0 with ``taskset``; ``wrk`` (one thread, 16 connections, on loopback) is pinned to CPU 1. Before any
measurement every app is checked over HTTP (``_checks.verify``): missing, broken, foreign-key, ``alg: none``,
expired and refresh tokens must be refused, a wrong password gets 401, and the token the app's own login
issued gets the identity. Then every (app, route) pair runs ``--duration`` seconds per round, the order
rotated each round; a run whose wrk reports any non-2xx answer or socket timeout fails. Printed: the
median, min and max req/s and the median latency (p50, p99) of every route, the requests served per
CPU-second of the server process (user + system time from ``/proc``, all its threads), and per app the
ratios protected/open and login/open taken within each round (min-max over the rounds), for req/s and,
in brackets, per CPU-second. Ratios to the app's own open route are what to compare; absolute rates depend
on the machine. On a machine shared with other work, req/s falls whenever the server's core is taken
from it, while requests per CPU-second do not: there the CPU figures are the ones to trust (on an idle
machine, with the server's core saturated, the two agree).

Targets (issue 12): ours protected/open >= 0.85; ours login/open >= handwritten login/open. The first is
printed beside the ceiling, ``ours-unauthenticated``'s protected/open.

Run: ``python benchmarks/http_bench.py [--duration S] [--rounds R] [--connections C]`` (needs ``wrk``;
``taskset`` is used when present). ``--smoke`` needs no wrk: it starts the servers, checks them and sends
a few requests per route from a Python client, to prove the harness works (its rates mean nothing).
The name is not ``http.py``: a script's folder comes first on ``sys.path``, and it would hide the
standard library's ``http`` package from everything the script imports.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APPS_DIR = HERE / "peer_apps"
sys.path.insert(0, str(APPS_DIR))

from _checks import JSON_HEADERS, LOGIN_BODY, auth_headers, verify  # noqa: E402

ROUTES = ("open", "protected", "login")
SERVER_CPU, CLIENT_CPU = "0", "1"


class HttpBenchmarkError(RuntimeError):
    """A server did not start, did not serve the contract, or wrk saw errors."""


# -- servers ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: str, command: list[str]) -> list[str]:
    """``command`` pinned to ``cpu`` with taskset, when taskset exists and the machine has that CPU."""
    if shutil.which("taskset") and int(cpu) < (os.cpu_count() or 1):
        return ["taskset", "-c", cpu, *command]
    return command


@dataclass
class Server:
    """One contract app served by one uvicorn worker."""

    name: str
    module: str
    python: str = sys.executable
    env: dict[str, str] = field(default_factory=dict)  # the server's whole environment; empty: this one's
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Any = None
    token: str = ""
    refusals: list[str] = field(default_factory=list)
    reference: bool = False  # not a contract app: it authenticates nothing (the ceiling); not checked

    def start(self, fast: bool = True) -> None:
        self.port = free_port()
        loop, http = ("uvloop", "httptools") if fast else ("auto", "auto")
        command = [self.python, "-m", "uvicorn", f"{self.module}:app", "--app-dir", str(APPS_DIR),
                   "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                   "--loop", loop, "--http", http, "--log-level", "warning", "--no-access-log"]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 -- the server's output, kept until stop()
        env = self.env or dict(os.environ)  # a given environment is used whole (peers.py drops PYTHONPATH)
        self.process = subprocess.Popen(pinned(SERVER_CPU, command), stdout=self.log, stderr=self.log,
                                        env=env)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise HttpBenchmarkError(f"{self.name}: uvicorn exited with {self.process.returncode}:\n"
                                         f"{self.output()}")
            try:
                if self.call("GET", "/open", {}, b"")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise HttpBenchmarkError(f"{self.name}: not serving after {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return str(self.log.read().decode(errors="replace"))[-3000:]

    def call(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, data.decode(errors="replace")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process so far (all its threads); nan without /proc."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()  # type: ignore[union-attr]
        except (OSError, AttributeError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def check(self) -> None:
        if not self.reference:
            self.token, self.refusals = verify(self.name, self.call)
            return
        status, body = self.call("GET", "/protected", {}, b"")
        if status != 200 or body != {"user": "alice"}:
            raise HttpBenchmarkError(f"{self.name}: /protected answered {status} {body!r}")
        self.refusals = ["nothing (the unauthenticated reference)"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    def request(self, route: str) -> tuple[str, str, dict[str, str], bytes]:
        """The request wrk sends to ``route`` (the open route gets the same header as the protected one)."""
        bearer = auth_headers(self.token)
        if route == "login":
            return "POST", "/login", {**bearer, **JSON_HEADERS}, LOGIN_BODY
        return "GET", f"/{route}", bearer, b""


# -- wrk -------------------------------------------------------------------------------------------------
@dataclass
class Sample:
    rate: float  # requests per second of wall-clock time
    p50_ms: float
    p99_ms: float
    cpu_rate: float  # requests per CPU-second the server process spent (nan where /proc is missing)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def lua_script(method: str, headers: dict[str, str], body: bytes) -> str:
    lines = [f"wrk.method = {json.dumps(method)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if body:
        lines.append(f"wrk.body = {json.dumps(body.decode())}")
    return "\n".join(lines) + "\n"


def run_wrk(server: Server, route: str, duration: float, connections: int) -> Sample:
    method, path, headers, body = server.request(route)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(method, headers, body))
    try:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", script.name,
                   f"http://127.0.0.1:{server.port}{path}"]
        cpu = server.cpu_seconds()
        result = subprocess.run(pinned(CLIENT_CPU, command), capture_output=True, text=True,
                                timeout=duration + 60, check=False)
        cpu = server.cpu_seconds() - cpu
    finally:
        os.unlink(script.name)
    out = result.stdout
    if result.returncode != 0 or "Requests/sec:" not in out:
        raise HttpBenchmarkError(f"wrk on {server.name} {route} failed:\n{out}\n{result.stderr}")
    for problem in ("Non-2xx or 3xx responses", "timeout [1-9]"):
        if re.search(problem, out):
            raise HttpBenchmarkError(f"{server.name} {route}: wrk saw errors:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    count = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Sample(rate, p50, p99, count / cpu if cpu > 0 else float("nan"))


def run_python_client(server: Server, route: str, requests: int) -> Sample:
    """The smoke mode's stand-in for wrk: one keep-alive connection, ``requests`` requests in a row."""
    method, path, headers, body = server.request(route)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    latencies = []
    try:
        cpu, t0 = server.cpu_seconds(), time.perf_counter()
        for _ in range(requests):
            start = time.perf_counter()
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - start) * 1e3)
            if response.status != 200:
                raise HttpBenchmarkError(f"{server.name} {route}: answered {response.status}")
        elapsed, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu
    finally:
        connection.close()
    latencies.sort()
    return Sample(requests / elapsed, statistics.median(latencies), latencies[int(0.99 * (requests - 1))],
                  requests / cpu if cpu > 0 else float("nan"))


# -- rounds and the report -------------------------------------------------------------------------------
Results = dict[tuple[str, str], list[Sample]]


def measure(servers: list[Server], rounds: int, duration: float, connections: int,
            smoke_requests: int = 0) -> Results:
    """Every (server, route) once per round, in an order rotated by one each round."""
    pairs = [(server, route) for server in servers for route in ROUTES]
    results: Results = {(server.name, route): [] for server, route in pairs}
    for r in range(rounds):
        shift = r % len(pairs)
        for server, route in pairs[shift:] + pairs[:shift]:
            if smoke_requests:
                sample = run_python_client(server, route, smoke_requests)
            else:
                sample = run_wrk(server, route, duration, connections)
            results[(server.name, route)].append(sample)
    return results


# app -> "protected/open" (req/s), "protected/open cpu" (per CPU-second), ... -> one ratio per round
Found = dict[str, dict[str, list[float]]]
RATIOS = ("protected/open", "login/open")


def per_round(results: Results, a: tuple[str, str], b: tuple[str, str], cpu: bool = False) -> list[float]:
    """Rate of ``a`` over rate of ``b`` (app, route), taken within each round."""
    if cpu:
        return [x.cpu_rate / y.cpu_rate for x, y in zip(results[a], results[b], strict=True)]
    return [x.rate / y.rate for x, y in zip(results[a], results[b], strict=True)]


def span(values: list[float]) -> str:
    if any(v != v for v in values):  # nan: no CPU times on this system
        return "-"
    return f"{statistics.median(values):.3f} [{min(values):.2f}-{max(values):.2f}]"


def report(servers: list[Server], results: Results) -> Found:
    """Print the table and the ratios; the per-round ratios of every app, by ratio name."""
    print(f"{'app':<24} {'route':<10} {'median req/s':>12} {'min':>9} {'max':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'req/CPU-s':>10}")
    print("-" * 97)
    for server in servers:
        for route in ROUTES:
            samples = results[(server.name, route)]
            rates = [s.rate for s in samples]
            print(f"{server.name:<24} {route:<10} {statistics.median(rates):>12,.0f} {min(rates):>9,.0f} "
                  f"{max(rates):>9,.0f} {statistics.median(s.p50_ms for s in samples):>8.2f} "
                  f"{statistics.median(s.p99_ms for s in samples):>8.2f} "
                  f"{statistics.median(s.cpu_rate for s in samples):>10,.0f}")
    print()
    print("ratios within each round, median [min-max]; req/s, and in brackets per CPU-second of the server")
    found: Found = {}
    for server in servers:
        found[server.name] = {}
        line = f"  {server.name:<24}"
        for name in RATIOS:
            route = name.split("/")[0]
            wall = per_round(results, (server.name, route), (server.name, "open"))
            cpu = per_round(results, (server.name, route), (server.name, "open"), cpu=True)
            found[server.name].update({name: wall, f"{name} cpu": cpu})
            line += f" {name} {span(wall)} ({span(cpu)})"
        print(line)
    return found


def same_stack(results: Results) -> None:
    """Ours against handwritten in absolute rates: they share one environment, so these compare too."""
    if {"ours", "handwritten"} <= {name for name, _ in results}:
        for route in ROUTES:
            pair = (("ours", route), ("handwritten", route))
            print(f"  ours {route} / handwritten {route} (same environment): "
                  f"{span(per_round(results, *pair))} ({span(per_round(results, *pair, cpu=True))})")


def verdict(values: list[float], target: float) -> str:
    return "PASS" if min(values) >= target else "MISS" if max(values) < target else "MIXED"


def targets(found: Found) -> None:
    print()
    for suffix, what in (("", "req/s"), (" cpu", "per CPU-second")):
        protected = found["ours"]["protected/open" + suffix]
        if span(protected) == "-" or span(found["handwritten"]["login/open" + suffix]) == "-":
            print(f"target ({what}): not measured (the server's CPU time was not readable or too short)")
            continue
        ours_login = statistics.median(found["ours"]["login/open" + suffix])
        hand_login = statistics.median(found["handwritten"]["login/open" + suffix])
        print(f"target ({what}): ours protected/open >= 0.85: {span(protected)} {verdict(protected, 0.85)}")
        if "ours-unauthenticated" in found:
            ceiling = found["ours-unauthenticated"]["protected/open" + suffix]
            print(f"  (the ceiling, the same route without authentication: {span(ceiling)}; ours / ceiling "
                  f"{span([a / b for a, b in zip(protected, ceiling, strict=True)])})")
        print(f"target ({what}): ours login/open >= handwritten login/open: {ours_login:.3f} vs "
              f"{hand_login:.3f} {'PASS' if ours_login >= hand_login else 'MISS'}")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = "no wrk"
    if shutil.which("wrk"):
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
        wrk = wrk.split("[")[0].strip()
    return (f"{os.cpu_count()} CPUs ({model}); taskset {'on' if shutil.which('taskset') else 'off'}; "
            f"{wrk}; python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f} "
            "(other work on the machine widens the ranges)")


def run_servers(servers: list[Server], fast: bool) -> None:
    for server in servers:
        server.start(fast)
    for server in servers:
        server.wait_ready()
        server.check()
        print(f"{server.name}: refuses {'; '.join(server.refusals)}")
    for server in servers:  # a reference gets ours's token, so that its requests are the same bytes
        if server.reference:
            server.token = next(other.token for other in servers if other.name == "ours")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of wrk per route per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="no wrk: check the servers, a few requests each")
    parser.add_argument("--requests", type=int, default=20, help="requests per route per round with --smoke")
    args = parser.parse_args(argv)
    if not args.smoke and shutil.which("wrk") is None:
        print("wrk not found: the HTTP benchmark needs wrk (apt-get install wrk); "
              "--smoke checks the servers without it", file=sys.stderr)
        return 2
    servers = [Server("ours", "app_ours"), Server("handwritten", "app_handwritten"),
               Server("ours-unauthenticated", "app_ours_floor", reference=True)]
    try:
        run_servers(servers, fast=not args.smoke)
        print(machine())
        print(f"uvicorn, 1 worker, pinned to CPU {SERVER_CPU}; " + (
            f"python client, {args.requests} requests per route per round (smoke: rates mean nothing)"
            if args.smoke else f"wrk -t1 -c{args.connections}, {args.duration:g} s per route per round, "
                               f"pinned to CPU {CLIENT_CPU}") + f"; {args.rounds} rounds, rotated order")
        print()
        results = measure(servers, args.rounds, args.duration, args.connections,
                          smoke_requests=args.requests if args.smoke else 0)
    except HttpBenchmarkError as exc:
        print(f"benchmark FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        for server in servers:
            server.stop()
    found = report(servers, results)
    same_stack(results)
    targets(found)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
