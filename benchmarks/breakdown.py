"""Where the time of an async ``ProtectedView`` request goes, compared with the hand-written PyJWT route.

Companion to ``throughput.py`` (the same in-process ASGI driver and interleaved rounds). Unlike its
independent baseline, every variant here, the hand-written one included, sends the library's token, so
that the layers differ only in code.
Three parts:

1. Route variants, each alone on an app of its own (so route matching costs the same for all; FastAPI
   0.16x pays a few microseconds per route it tries before the one that matches), split into layers:
   ``open`` (no auth), ``manual`` (hand-written dependency), ``manual-nested`` (the same dependency under
   one more plain ``Depends`` level), ``manual-in-cbv`` (the *same* hand-written
   dependency declared as an attribute of a ``@cbv`` class: the cost of the view layer alone),
   ``require_access`` (the library's dependency on a plain function route: the library's auth without the
   view layer), ``view`` (``ProtectedView``) and ``open+5`` (the open route behind five other routes: the
   cost of route matching).
2. The pieces called directly, without FastAPI: header parsing, ``jwt.decode`` vs the library's
   ``TokenCodec.decode``, the whole hand-written dependency vs ``AuthViews.authenticate`` /
   ``require_access``, and the revocation check.
3. With ``--profile``: cProfile of the ``view`` and ``manual`` routes, printed as the per-request
   difference of each function's own time (profiler overhead inflates absolute numbers; read it for
   *which* functions and how many extra calls).

The library's figures include its verified-token cache (the same token is sent every time, so only the
first request checks the signature); ``throughput.py``'s ``view-cache`` case shows the view without it.

Run: ``python benchmarks/breakdown.py [--requests N] [--rounds R] [--profile]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import jwt
from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import Request

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import (
    IDENTITY,
    SECRET,
    Case,
    asgi_case,
    build_view_app,
    fetch,
    make_scope,
    manual_claims,
    measure,
)

from fastapi_jwt_views import AuthSession, AuthViews, AuthViewsConfig, ProtectedView, cbv
from fastapi_jwt_views.views import require_access

ROOT = Path(__file__).resolve().parent.parent
PADDING_ROUTES = 5  # routes matched (and missed) before the route of the "open+5" case


async def nested_claims(claims: dict[str, Any] = Depends(manual_claims)) -> dict[str, Any]:
    """One more dependency level over the hand-written one (what a view class adds, minus the class)."""
    return claims


def build_apps(authviews: AuthViews) -> dict[str, FastAPI]:
    """One app per route variant, each holding just that route, so route matching costs all the same."""
    apps: dict[str, FastAPI] = {}

    def new_app(name: str) -> tuple[FastAPI, APIRouter]:
        app = FastAPI()
        authviews.install(app)
        apps[name] = app
        return app, APIRouter()

    app, router = new_app("open")

    @router.get("/r")
    async def open_route() -> dict[str, str]:
        return {"user": IDENTITY}

    app.include_router(router)

    app, router = new_app("open+5")
    for i in range(PADDING_ROUTES):
        router.add_api_route(f"/pad{i}", open_route, methods=["GET"])
    router.add_api_route("/r", open_route, methods=["GET"])
    app.include_router(router)

    app, router = new_app("manual")

    @router.get("/r")
    async def manual_route(claims: dict[str, Any] = Depends(manual_claims)) -> dict[str, Any]:
        return {"user": claims["sub"]}

    app.include_router(router)

    app, router = new_app("manual-nested")

    @router.get("/r")
    async def nested_route(claims: dict[str, Any] = Depends(nested_claims)) -> dict[str, Any]:
        return {"user": claims["sub"]}

    app.include_router(router)

    app, router = new_app("manual-in-cbv")

    @cbv(router)
    class ManualView:
        claims: dict[str, Any] = Depends(manual_claims)

        @router.get("/r")
        async def me(self) -> dict[str, Any]:
            return {"user": self.claims["sub"]}

    app.include_router(router)

    app, router = new_app("require_access")

    @router.get("/r")
    async def require_route(auth: AuthSession = Depends(require_access)) -> dict[str, Any]:
        return {"user": auth.identity}

    app.include_router(router)

    app, router = new_app("view")

    @cbv(router)
    class View(ProtectedView):
        @router.get("/r")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app.include_router(router)
    return apps


def direct_case(name: str, label: str, call: Any, is_async: bool) -> Case:
    if is_async:
        async def run(n: int) -> None:
            for _ in range(n):
                await call()
    else:
        async def run(n: int) -> None:
            for _ in range(n):
                call()
    return Case(name, label, run)


def print_table(title: str, cases: list[Case], base: str) -> None:
    """Per case: median and best-round time; against ``base``: the median of the paired per-round
    differences (rounds are interleaved, so pairing cancels slow drift) and the best-vs-best difference."""
    base_rates = next(c.rates for c in cases if c.name == base)
    print(title)
    vs = f"vs {base}: paired"
    print(f"{'case':<16} {'what':<46} {'median us':>9} {'best us':>8}   {vs:>24} {'best':>7}")
    print("-" * 118)
    for c in cases:
        median_us, best_us = 1e6 / statistics.median(c.rates), 1e6 / max(c.rates)
        paired = statistics.median(1e6 / r - 1e6 / b for r, b in zip(c.rates, base_rates, strict=True))
        best_delta = best_us - 1e6 / max(base_rates)
        print(f"{c.name:<16} {c.label:<46} {median_us:>9.1f} {best_us:>8.1f}   "
              f"{paired:>+22.1f}us {best_delta:>+7.1f}")
    print()


def profile_diff(view_app: Any, manual_app: Any, token: str, n: int) -> None:
    stats: dict[str, pstats.Stats] = {}

    async def go() -> None:
        for path, app in (("/view", view_app), ("/manual", manual_app)):
            case = asgi_case(path, path, app, make_scope("/r", token), 200)
            await case.run(500)
            prof = cProfile.Profile()
            prof.enable()
            await case.run(n)
            prof.disable()
            stats[path] = pstats.Stats(prof)

    asyncio.run(go())

    def per_func(s: pstats.Stats) -> dict[str, tuple[float, float, float]]:
        out = {}
        for (filename, line, func), (_cc, nc, tt, ct, _callers) in s.stats.items():  # type: ignore[attr-defined]
            short = filename.split("site-packages/")[-1].replace(f"{ROOT}/", "")
            out[f"{short}:{line}({func})"] = (nc / n, tt / n * 1e6, ct / n * 1e6)
        return out

    view, manual = per_func(stats["/view"]), per_func(stats["/manual"])
    total_v = sum(v[1] for v in view.values())
    total_m = sum(v[1] for v in manual.values())
    print(f"cProfile, {n} requests each (profiled us/request: view {total_v:.1f}, manual {total_m:.1f}, "
          f"diff {total_v - total_m:+.1f})")
    print("functions whose own time differs most (view minus manual), per request:")
    print(f"{'d tottime us':>12} {'d calls':>8} {'view cum us':>11}  function")
    rows = []
    for key in set(view) | set(manual):
        v = view.get(key, (0.0, 0.0, 0.0))
        m = manual.get(key, (0.0, 0.0, 0.0))
        rows.append((v[1] - m[1], v[0] - m[0], v[2], key))
    rows.sort(key=lambda r: -abs(r[0]))
    for dt, dc, cum, key in rows[:25]:
        print(f"{dt:>+12.2f} {dc:>+8.1f} {cum:>11.1f}  {key}")
    print()


async def seen_scope(authviews: AuthViews, token: str) -> dict[str, Any]:
    """The scope of a request with ``token`` as a route of an app where ``authviews`` is installed sees it."""
    probe = FastAPI()
    authviews.install(probe)
    seen: dict[str, Any] = {}

    @probe.get("/view")
    async def capture(request: Request) -> dict[str, str]:
        seen.update(request.scope)
        return {}

    status, _body = await fetch(probe, make_scope("/view", token))
    if status != 200 or not seen:
        raise RuntimeError(f"the probe route answered {status}")
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile diff view vs manual")
    args = parser.parse_args(argv)

    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    apps = build_apps(authviews)
    _rev_app, rev_authviews = build_view_app(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True))
    token = authviews.create_access_token(IDENTITY)
    rev_token = rev_authviews.create_access_token(IDENTITY)
    labels = {
        "open": "open route",
        "open+5": f"open route after {PADDING_ROUTES} other routes",
        "manual": "hand-written Depends",
        "manual-nested": "hand-written dep under one more Depends level",
        "manual-in-cbv": "same hand-written dep as a @cbv attribute",
        "require_access": "Depends(require_access) on a function route",
        "view": "ProtectedView (async)",
    }
    routes = [asgi_case(name, labels[name], apps[name], make_scope("/r", token), 200) for name in labels]

    # The scope a route of an installed app sees (whatever the installed app adds to it), for the pieces
    # that are called directly, as the route would call them.
    scope = asyncio.run(seen_scope(authviews, token))
    rev_scope = asyncio.run(seen_scope(rev_authviews, rev_token))

    def manual_header() -> str:
        _scheme, _, tok = Request(scope).headers.get("authorization").partition(" ")
        return tok

    reader = authviews.reader("access")  # the library's token reader, as authenticate() uses it
    codec = authviews.codec
    components = [
        direct_case("Request()", "Request(scope) alone", lambda: Request(scope), False),
        direct_case("hdr manual", "Request + headers.get + partition", manual_header, False),
        direct_case("hdr library", "Request + TokenReader.read", lambda: reader.read(Request(scope)),
                    False),
        direct_case("jwt.decode", "jwt.decode(token, secret, [HS256])",
                    lambda: jwt.decode(token, SECRET, algorithms=["HS256"]), False),
        direct_case("codec.decode", "TokenCodec.decode (PyJWT instance + checks)",
                    lambda: codec.decode(token), False),
        direct_case("manual_claims", "await manual_claims(Request)",
                    lambda: manual_claims(Request(scope)), True),
        direct_case("authenticate", "await AuthViews.authenticate(Request)",
                    lambda: authviews.authenticate(Request(scope), "access"), True),
        direct_case("authenticate+rev", "same, blacklist_enabled (memory store)",
                    lambda: rev_authviews.authenticate(Request(rev_scope), "access"), True),
        direct_case("require_access", "await require_access(Request)",
                    lambda: require_access(Request(scope)), True),
    ]

    async def go() -> None:
        await measure(routes, args.requests, args.rounds, min(args.requests, 500))
        await measure(components, args.requests * 4, args.rounds, min(args.requests, 500))

    t0 = time.perf_counter()
    asyncio.run(go())
    print(f"{args.requests} requests (components: {args.requests * 4} calls) x {args.rounds} rounds, "
          f"rotated order; {time.perf_counter() - t0:.1f} s")
    print()
    print_table("Routes (ASGI in-process):", routes, "manual")
    print_table("Pieces called directly:", components, "manual_claims")
    if args.profile:
        profile_diff(apps["view"], apps["manual"], token, args.requests * 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
