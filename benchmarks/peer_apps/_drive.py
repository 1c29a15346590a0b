"""Drive one contract app in-process (raw ASGI, no server) and print its figures as JSON.

Run by ``benchmarks/peers.py`` with the python of each app's virtual environment, so it imports nothing
but the standard library, the app module and ``benchmarks/_asgi.py`` (itself standard library only)::

    <venv>/bin/python benchmarks/peer_apps/_drive.py app_authx --requests 2000 --rounds 10

The app's lifespan is started first, as a server would; then ``_checks.verify`` proves the routes
authenticate; then ``open``, ``protected`` (the token the app's own login issued) and ``login`` (POST with
a JSON body) run in interleaved rounds, each request's status checked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import json
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _asgi import BenchmarkError, Case  # noqa: E402
from _checks import LOGIN_BODY, auth_headers, verify  # noqa: E402

PACKAGES = ("fastapi", "starlette", "pydantic", "PyJWT", "Authlib", "uvicorn", "fastapi-jwt-views", "authx",
            "fastapi-jwt", "async-fastapi-jwt-auth", "fastapi-jwt-auth")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def scope(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw = [(b"host", b"bench"), *((k.encode(), v.encode()) for k, v in headers.items())]
    if body:
        raw.append((b"content-length", str(len(body)).encode()))
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": raw, "client": ("127.0.0.1", 50000), "server": ("bench", 80),
    }


async def call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    start: dict[str, Any] = {}
    chunks = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.extend(message.get("body", b""))

    try:
        await app(scope(method, path, headers, body), receive, send)
    except Exception:  # Starlette has answered 500 already, then re-raised (as uvicorn would log it)
        return start.get("status", 500), None
    return start.get("status", 0), json.loads(chunks) if chunks else None


def request_case(name: str, app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> Case:
    """Like ``_asgi.asgi_case``, with a method and a request body; every answer must be 200."""
    template = scope(method, path, headers, body)
    message = {"type": "http.request", "body": body, "more_body": False}
    status = [0]

    async def receive() -> dict[str, Any]:
        return message

    async def send(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            status[0] = msg["status"]

    async def run(n: int) -> None:
        for i in range(n):
            status[0] = 0
            await app(dict(template), receive, send)
            if status[0] != 200:
                raise BenchmarkError(f"{name}: request {i} answered {status[0]}")

    return Case(name, run)


async def measure(cases: list[Case], requests: int, rounds: int, warmup: int) -> dict[str, list[float]]:
    """``_asgi.measure``, also recording requests per CPU-second of this process (all its threads, so a
    thread-pool hop counts what it costs, not the time it waits): the ``<name> cpu`` lists."""
    cpu_rates: dict[str, list[float]] = {case.name + " cpu": [] for case in cases}
    for case in cases:
        await case.run(warmup)
    for r in range(rounds):
        shift = r % len(cases)
        for case in cases[shift:] + cases[:shift]:
            gc.collect()
            cpu, t0 = time.process_time(), time.perf_counter()
            await case.run(requests)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu
            case.rates.append(requests / wall)
            cpu_rates[case.name + " cpu"].append(requests / cpu if cpu > 0 else float("nan"))
    return cpu_rates


class Lifespan:
    """The ASGI lifespan of an app, started and stopped as uvicorn would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _step(self, event: str) -> None:
        await self.inbox.put({"type": f"lifespan.{event}"})
        reply = await asyncio.wait_for(self.outbox.get(), 10)
        if reply["type"] != f"lifespan.{event}.complete":
            raise BenchmarkError(f"lifespan {event}: {reply}")

    async def start(self) -> None:
        self.task = asyncio.create_task(self.app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                                 self.inbox.get, self.outbox.put))
        await self._step("startup")

    async def stop(self) -> None:
        await self._step("shutdown")
        if self.task is not None:
            await self.task


async def run(module: str, requests: int, rounds: int, warmup: int) -> dict[str, Any]:
    app = importlib.import_module(module).app
    lifespan = Lifespan(app)
    await lifespan.start()
    try:
        access, refusals = await verify_async(module, app)
        bearer = auth_headers(access)
        json_headers = {"content-type": "application/json"}
        cases = [
            request_case("open", app, "GET", "/open", bearer, b""),
            request_case("protected", app, "GET", "/protected", bearer, b""),
            request_case("login", app, "POST", "/login", {**bearer, **json_headers}, LOGIN_BODY),
        ]
        cpu_rates = await measure(cases, requests, rounds, warmup)
    finally:
        await lifespan.stop()
    return {"module": module, "versions": versions(), "refusals": refusals,
            "rates": {**{case.name: case.rates for case in cases}, **cpu_rates}}


async def verify_async(name: str, app: Any) -> tuple[str, list[str]]:
    """Run ``_checks.verify`` against the app on this loop: it is synchronous, so run it in a thread."""
    loop = asyncio.get_running_loop()

    def sync_call(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        return asyncio.run_coroutine_threadsafe(call(app, method, path, headers, body), loop).result(30)

    return await asyncio.to_thread(verify, name, sync_call)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the app module in benchmarks/peer_apps, e.g. app_ours")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(run(args.module, args.requests, args.rounds, args.warmup))
    except Exception as exc:  # reported to the parent as a line of its own, not a traceback to parse
        print(json.dumps({"module": args.module, "error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
