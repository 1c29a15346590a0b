"""Requests/second of ``ProtectedView`` routes against a hand-written PyJWT dependency, in-process.

What is measured
----------------
Each case is a GET request driven straight through the ASGI app: ``await app(scope, receive, send)`` in a
tight loop on one asyncio event loop. No sockets, no server, no TestClient (whose thread/portal hop per
request costs more than the work being measured and adds noise). The scope is built once per case (a
minimal HTTP/1.1 scope with the ``Authorization: Bearer <token>`` header) and shallow-copied per request,
because Starlette writes into it. ``send`` records the response status, and every single request is checked
against the status the case expects; a mismatch aborts the run with an error.

Every case has an app of its own, its one route on an included ``APIRouter`` (the usage the README
shows), except the hand-written baseline, on ``@app.get``:

1. ``open``        -- ``async def`` route with no authentication (the framework's floor);
2. ``view``        -- ``@cbv(router) class V(ProtectedView)`` with an ``async def`` handler returning
                      ``{"user": self.auth.identity}``;
3. ``view+revoke`` -- the same view on a second app whose config has ``blacklist_enabled=True`` (default
                      memory store; the token is not revoked, so the store is consulted and says no);
3b. ``view-cache`` -- the same view on a third app with ``token_cache_size=0``: every request verifies the
                      signature again, as the hand-written route does (the default cache skips that for a
                      token seen before; its time claims and revocation are still checked each time);
4. ``manual``      -- an independent baseline: what one would write without the library, on its own app
                      (``@app.get``, no router), with its own token (``sub`` and ``exp`` only, as such an
                      app would issue, not the library's larger token). A hand-written ``async def``
                      dependency reads the header, splits ``Bearer <token>``, calls
                      ``jwt.decode(token, secret, algorithms=["HS256"])`` and returns the claims
                      (HTTPException(401) on failure); the ``async def`` handler returns
                      ``{"user": claims["sub"]}``. This is the baseline the library is compared with;
5. ``view(sync)``  -- the ProtectedView route with a plain ``def`` handler (runs in the thread pool), for
                      information;
5b. ``function``   -- ``auth: AuthSession = Depends(require_access)`` on a plain ``async def`` function
                      route of the same router (one FastAPI dependency level more than the view, whose
                      handler takes no parameters and so calls its dependency itself);
5c. ``func(sync)`` -- the same with a ``def`` function: FastAPI's one thread-pool hop, to compare the sync
                      view with (the same figure means the view adds no hop of its own);
6. ``jwt.decode``  -- a bare ``jwt.decode`` call per iteration (calls/second), for reference: the cost
                      floor of verifying the token at all.

How
---
Every case is warmed up first (which also checks the response bodies once, and that each protected route
refuses a bad token with 401). Then ``--rounds`` rounds are run; each round runs every case once for
``--requests`` iterations, in an order rotated by one each round, so that drift on a shared, noisy machine
(CPU frequency, other processes) is spread over all cases alike. Before each timed block the garbage
collector is run so one case does not pay for another's garbage. For every case the median, min and max
rate over the rounds is printed, then the ratios of the medians (and their range over the rounds), and
the two target lines of issue 12 with PASS or MISS: ``ProtectedView >= 1.80x hand-written PyJWT route``
and ``ProtectedView >= 0.75x open route``. The first is printed beside the open route's own ratio to the
hand-written one: no authenticated route can beat the same route without authentication.

FastAPI tries routes in order at a few microseconds each, hence one route per app; FastAPI 0.16x also
matches a route of an included router twice, which the open route pays as the views do, and the
hand-written baseline (on the app itself) does not. ``benchmarks/breakdown.py`` splits the gap into
layers.

Run: ``python benchmarks/throughput.py [--requests N] [--rounds R] [--warmup W]`` (with the repository
on ``PYTHONPATH``). The defaults take roughly 30-60 s on a small 2-core machine. The exit status is 0 on
PASS and on MISS (this is a measurement, not a test); it is non-zero only when a request misbehaves.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request

from fastapi_jwt_views import AuthSession, AuthViews, AuthViewsConfig, ProtectedView, cbv, require_access

SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # >= 32 bytes for HS256
IDENTITY = "alice"
#: Issue 12's targets: ProtectedView >= 1.8x the hand-written route, and >= 0.75x the open route.
TARGET = 1.8
TARGET_OPEN = 0.75

Scope = dict[str, Any]
Message = dict[str, Any]


# -- the apps -------------------------------------------------------------------------------------------
async def manual_claims(request: Request) -> dict[str, Any]:
    """The hand-written dependency: what one would write without the library."""
    header = request.headers.get("authorization")
    if not header:
        raise HTTPException(status_code=401, detail="Missing Authorization Header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status_code=401, detail="Bad Authorization header")
    try:
        return jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise HTTPException(status_code=401, detail=str(exc)) from exc


def build_route_apps() -> tuple[dict[str, FastAPI], AuthViews]:
    """One app per route, each route alone on an included ``APIRouter`` (the README's usage), so every
    case pays the same route matching (FastAPI tries routes in order, a few microseconds each)."""
    apps: dict[str, FastAPI] = {}

    def route_app(path: str) -> tuple[FastAPI, APIRouter]:
        app = FastAPI()
        AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
        apps[path] = app
        return app, APIRouter()

    app, router = route_app("/open")

    @router.get("/open")
    async def open_route() -> dict[str, str]:
        return {"user": IDENTITY}

    app.include_router(router)
    app, router = route_app("/view")

    @cbv(router)
    class AsyncView(ProtectedView):
        @router.get("/view")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app.include_router(router)
    app, router = route_app("/view-sync")

    @cbv(router)
    class SyncView(ProtectedView):
        @router.get("/view-sync")
        def me_sync(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app.include_router(router)
    app, router = route_app("/function")

    @router.get("/function")
    async def function_route(auth: AuthSession = Depends(require_access)) -> dict[str, Any]:
        return {"user": auth.identity}

    app.include_router(router)
    app, router = route_app("/function-sync")

    @router.get("/function-sync")
    def function_sync(auth: AuthSession = Depends(require_access)) -> dict[str, Any]:
        return {"user": auth.identity}

    app.include_router(router)
    return apps, AuthViews.of(apps["/view"])


def build_manual_app() -> tuple[FastAPI, str]:
    """The independent baseline: its own app, its route on the app itself, and its own minimal token."""
    app = FastAPI()

    @app.get("/manual")
    async def manual_route(claims: dict[str, Any] = Depends(manual_claims)) -> dict[str, Any]:
        return {"user": claims["sub"]}

    token = jwt.encode({"sub": IDENTITY, "exp": int(time.time()) + 24 * 3600}, SECRET, algorithm="HS256")
    return app, token


def build_view_app(config: AuthViewsConfig) -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    authviews = AuthViews(config).install(app)
    router = APIRouter()

    @cbv(router)
    class AsyncView(ProtectedView):
        @router.get("/view")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app.include_router(router)
    return app, authviews


# -- driving the ASGI app --------------------------------------------------------------------------------
def make_scope(path: str, token: str | None) -> Scope:
    headers = [(b"host", b"bench"), (b"user-agent", b"bench/1.0"), (b"accept", b"*/*")]
    if token is not None:
        headers.append((b"authorization", b"Bearer " + token.encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }


_REQUEST_MESSAGE: Message = {"type": "http.request", "body": b"", "more_body": False}


async def _receive() -> Message:
    return _REQUEST_MESSAGE


class BenchmarkError(RuntimeError):
    """A request did not answer as the benchmark expects."""


@dataclass
class Case:
    name: str
    label: str
    run: Callable[[int], Awaitable[None]]  # run n iterations, raising BenchmarkError on a bad answer
    rates: list[float] = field(default_factory=list)


def asgi_case(name: str, label: str, app: Any, scope: Scope, expected: int) -> Case:
    status: list[int] = [0]

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    async def run(n: int) -> None:
        for i in range(n):
            status[0] = 0
            await app(dict(scope), _receive, send)
            if status[0] != expected:
                raise BenchmarkError(
                    f"{name}: request {i} answered {status[0]}, expected {expected} ({scope['path']})"
                )

    return Case(name, label, run)


_PATHS = {"function": "/function", "view(sync)": "/view-sync", "func(sync)": "/function-sync"}


def route_case(name: str, label: str, apps: dict[str, FastAPI], token: str) -> Case:
    path = _PATHS[name]
    return asgi_case(name, label, apps[path], make_scope(path, token), 200)


def decode_case(token: str) -> Case:
    async def run(n: int) -> None:
        decode = jwt.decode
        for _ in range(n):
            claims = decode(token, SECRET, algorithms=["HS256"])
        if claims["sub"] != IDENTITY:  # once is enough: the same token every time
            raise BenchmarkError(f"jwt.decode: unexpected sub {claims['sub']!r}")

    return Case("jwt.decode", "bare jwt.decode (calls/s)", run)


async def fetch(app: Any, scope: Scope) -> tuple[int, Any]:
    """One request, returning its status and decoded JSON body (used to check each case once)."""
    start: Message = {}
    body = bytearray()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(dict(scope), _receive, send)
    return start.get("status", 0), json.loads(body) if body else None


async def check_answers(checks: list[tuple[str, Any, Scope, int, Any]]) -> None:
    for name, app, scope, status, payload in checks:
        got_status, got_payload = await fetch(app, scope)
        if got_status != status or (payload is not None and got_payload != payload):
            raise BenchmarkError(
                f"{name}: {scope['path']} answered {got_status} {got_payload!r}, "
                f"expected {status} {payload!r}"
            )


# -- measuring ---------------------------------------------------------------------------------------------
def build_cases() -> tuple[list[Case], list[tuple[str, Any, Scope, int, Any]]]:
    apps, authviews = build_route_apps()
    rev_app, rev_authviews = build_view_app(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True))
    raw_app, raw_authviews = build_view_app(AuthViewsConfig(secret_key=SECRET, token_cache_size=0))
    manual_app, manual_token = build_manual_app()
    token = authviews.create_access_token(IDENTITY)
    rev_token = rev_authviews.create_access_token(IDENTITY)
    raw_token = raw_authviews.create_access_token(IDENTITY)
    ok = {"user": IDENTITY}

    cases = [
        asgi_case("open", "open route (no auth)", apps["/open"], make_scope("/open", token), 200),
        asgi_case("view", "ProtectedView, async def", apps["/view"], make_scope("/view", token), 200),
        asgi_case("view+revoke", "ProtectedView, blacklist on", rev_app, make_scope("/view", rev_token), 200),
        asgi_case(
            "view-cache", "ProtectedView, no token cache", raw_app, make_scope("/view", raw_token), 200
        ),
        asgi_case("manual", "hand-written PyJWT, own app", manual_app, make_scope("/manual", manual_token),
                  200),
        route_case("function", "Depends(require_access), async", apps, token),
        route_case("view(sync)", "ProtectedView, sync def", apps, token),
        route_case("func(sync)", "Depends(require_access), def", apps, token),
        decode_case(token),
    ]
    def broken(good: str) -> str:  # the same token with a broken signature
        return good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")

    bad = broken(token)
    checks = [
        ("open", apps["/open"], make_scope("/open", None), 200, ok),
        ("view", apps["/view"], make_scope("/view", token), 200, ok),
        ("view+revoke", rev_app, make_scope("/view", rev_token), 200, ok),
        ("view-cache", raw_app, make_scope("/view", raw_token), 200, ok),
        ("view-cache, bad token", raw_app, make_scope("/view", bad), 401, None),
        ("manual", manual_app, make_scope("/manual", manual_token), 200, ok),
        ("view(sync)", apps["/view-sync"], make_scope("/view-sync", token), 200, ok),
        ("view, no token", apps["/view"], make_scope("/view", None), 401, None),
        ("view, bad token", apps["/view"], make_scope("/view", bad), 401, None),
        ("view+revoke, bad token", rev_app, make_scope("/view", bad), 401, None),
        ("manual, no token", manual_app, make_scope("/manual", None), 401, None),
        ("manual, bad token", manual_app, make_scope("/manual", broken(manual_token)), 401, None),
        ("manual, library token", manual_app, make_scope("/manual", token), 200, ok),
        ("view(sync), bad token", apps["/view-sync"], make_scope("/view-sync", bad), 401, None),
        ("function", apps["/function"], make_scope("/function", token), 200, ok),
        ("function, bad token", apps["/function"], make_scope("/function", bad), 401, None),
        ("func(sync)", apps["/function-sync"], make_scope("/function-sync", token), 200, ok),
    ]
    return cases, checks


async def measure(cases: list[Case], requests: int, rounds: int, warmup: int) -> None:
    for case in cases:
        await case.run(warmup)
    for r in range(rounds):
        shift = r % len(cases)
        for case in cases[shift:] + cases[:shift]:
            gc.collect()
            t0 = time.perf_counter()
            await case.run(requests)
            elapsed = time.perf_counter() - t0
            case.rates.append(requests / elapsed)


def report(cases: list[Case], requests: int, rounds: int, total: float) -> bool:
    by_name = {case.name: case for case in cases}
    medians = {case.name: statistics.median(case.rates) for case in cases}

    print(f"python {platform.python_version()} ({platform.python_implementation()}), "
          f"fastapi {version('fastapi')}, starlette {version('starlette')}, pyjwt {version('pyjwt')}, "
          f"fastapi-jwt-views {_own_version()}")
    print(f"{requests} requests x {rounds} rounds per case, rotated order; {total:.1f} s total")
    print()
    print(f"{'case':<13} {'what':<29} {'median/s':>10} {'min/s':>10} {'max/s':>10} {'us/req':>8}")
    print("-" * 84)
    for case in cases:
        median = medians[case.name]
        print(f"{case.name:<13} {case.label:<29} {median:>10,.0f} {min(case.rates):>10,.0f} "
              f"{max(case.rates):>10,.0f} {1e6 / median:>8.1f}")
    print()

    manual = medians["manual"]
    print("ratios of the medians (in brackets: median and range of the same ratio taken within each round)")
    for name, base, what in (
        ("view", "manual", "ProtectedView / hand-written"),
        ("view+revoke", "manual", "with revocation / hand-written"),
        ("view-cache", "manual", "without the token cache / hand-written"),
        ("function", "manual", "Depends(require_access) / hand-written"),
        ("open", "manual", "open route / hand-written (the ceiling)"),
        ("view", "open", "ProtectedView / open route"),
        ("function", "open", "Depends(require_access) / open route"),
        ("function", "view", "Depends(require_access) / ProtectedView"),
        ("view(sync)", "func(sync)", "sync view / sync Depends(require_access)"),
    ):
        print(f"  {what:<42} {ratio_text(by_name[name], by_name[base])}")
    extra, auth = 1e6 / medians["view"] - 1e6 / manual, 1e6 / manual - 1e6 / medians["open"]
    print(f"extra cost of ProtectedView over hand-written: {extra:+6.1f} us/req")
    print(f"auth cost of hand-written (manual - open):     {auth:+6.1f} us/req")
    own = 1e6 / medians["view"] - 1e6 / medians["open"]
    print(f"auth cost of ProtectedView (view - open):      {own:+6.1f} us/req")
    ratio, to_open = medians["view"] / manual, medians["view"] / medians["open"]
    passed = ratio >= TARGET and to_open >= TARGET_OPEN
    print()
    print(f"target: ProtectedView >= {TARGET:.2f}x hand-written PyJWT route: {ratio:.2f}x "
          f"{'PASS' if ratio >= TARGET else 'MISS'} (the open route itself is "
          f"{medians['open'] / manual:.2f}x)")
    print(f"target: ProtectedView >= {TARGET_OPEN:.2f}x open route: {to_open:.2f}x "
          f"{'PASS' if to_open >= TARGET_OPEN else 'MISS'}")
    return passed


def ratio_text(case: Case, base: Case) -> str:
    """The ratio of two cases' medians, and its median and range taken round by round."""
    per_round = [r / b for r, b in zip(case.rates, base.rates, strict=True)]
    ratio = statistics.median(case.rates) / statistics.median(base.rates)
    return f"{ratio:5.2f}x   [{statistics.median(per_round):.2f}x, {min(per_round):.2f}-{max(per_round):.2f}]"


def _own_version() -> str:
    try:
        return version("fastapi-jwt-views")
    except Exception:
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="iterations per case per round")
    parser.add_argument("--rounds", type=int, default=40, help="rounds (each runs every case once)")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up iterations per case "
                        "(default: min(--requests, 500))")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be positive")
    warmup = args.warmup if args.warmup is not None else min(args.requests, 500)

    cases, checks = build_cases()

    async def go() -> float:
        await check_answers(checks)
        t0 = time.perf_counter()
        await measure(cases, args.requests, args.rounds, warmup)
        return time.perf_counter() - t0

    try:
        total = asyncio.run(go())
    except BenchmarkError as exc:
        print(f"benchmark FAILED: {exc}", file=sys.stderr)
        return 1
    report(cases, args.requests, args.rounds, total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
