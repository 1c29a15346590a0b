"""Requests/second of the fastapi-jwt-auth compatibility API against the views and a hand-written PyJWT
dependency, in-process.

What is measured
----------------
As in ``throughput.py``: GET requests driven straight through each ASGI app (``await app(scope, receive,
send)`` in a loop on one event loop), every answer's status checked. Each case has an app of its own (so
no case pays for another's route matching), all with the same HS256 secret and token:

``manual``        a hand-written ``async def`` PyJWT dependency and an ``async def`` handler (the baseline);
``view``          ``ProtectedView`` with an ``async def`` handler;
``compat``        ``async def h(Authorize: AuthJWT = Depends())`` then ``Authorize.jwt_required()``
                  (configured by ``load_config``; FastAPI builds the class in its thread pool: one hop);
``compat(sync)``  the same with a ``def`` handler, as fastapi-jwt-auth's docs write it (two hops);
``fork``          ``async def h(authorize: AuthJWT = Depends(AuthJWTBearer()))`` of
                  :mod:`fastapi_jwt_views.asyncio` then ``await authorize.jwt_required()`` (no hop);
``view+cb``       ``ProtectedView`` with a sync revocation callback (one hop for the callback);
``compat+cb``     ``compat(sync)`` with a sync ``token_in_denylist_loader`` callback (three hops).

The rounds rotate the order of the cases, so drift on a shared machine spreads over all of them; the
median rate of each case and the ratios of the medians are printed, then the targets: ``compat >= 1.0x``
the hand-written route, and ``compat`` within 10% of ``view`` (PASS or MISS; the exit status is 0 either
way, non-zero only when a request misbehaves).

Run: ``python benchmarks/compat.py [--requests N] [--rounds R]`` with the repository on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from collections.abc import Mapping
from typing import Any

import jwt
from _asgi import BenchmarkError, Case, asgi_case, make_scope, measure
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request

from fastapi_jwt_views import AuthJWT, AuthViews, AuthViewsConfig, ProtectedView, cbv
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.asyncio import AuthJWT as AsyncAuthJWT
from fastapi_jwt_views.asyncio import AuthJWTBearer

SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
IDENTITY = "alice"


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


def _not_revoked(claims: Mapping[str, Any]) -> bool:
    return False


def build_apps() -> dict[str, FastAPI]:
    PROCESS.load({"secret_key": SECRET})
    apps = {name: FastAPI() for name in ("manual", "view", "compat", "compat(sync)", "fork", "view+cb")}

    @apps["manual"].get("/r")
    async def manual(claims: dict[str, Any] = Depends(manual_claims)) -> dict[str, Any]:
        return {"user": claims["sub"]}

    for name, callback in (("view", None), ("view+cb", _not_revoked)):
        config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=callback is not None)
        AuthViews(config, is_revoked=callback).install(apps[name])
        router = APIRouter()

        @cbv(router)
        class View(ProtectedView):
            @router.get("/r")
            async def me(self) -> dict[str, Any]:
                return {"user": self.auth.identity}

        apps[name].include_router(router)

    @apps["compat"].get("/r")
    async def compat(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @apps["compat(sync)"].get("/r")
    def compat_sync(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    bearer = AuthJWTBearer()

    @apps["fork"].get("/r")
    async def fork(authorize: AsyncAuthJWT = Depends(bearer)) -> dict[str, Any]:
        await authorize.jwt_required()
        return {"user": await authorize.get_jwt_subject()}

    return apps



def report(cases: list[Case]) -> None:
    medians = {case.name: statistics.median(case.rates) for case in cases}
    print(f"{'case':<14} {'median/s':>10} {'min/s':>10} {'max/s':>10} {'us/req':>8} {'/manual':>8}")
    for case in cases:
        median = medians[case.name]
        print(
            f"{case.name:<14} {median:>10,.0f} {min(case.rates):>10,.0f} {max(case.rates):>10,.0f} "
            f"{1e6 / median:>8.1f} {median / medians['manual']:>7.2f}x"
        )
    compat, view, manual = medians["compat"], medians["view"], medians["manual"]
    print()
    verdict = "PASS" if compat >= manual else "MISS"
    print(f"target: compat >= 1.00x hand-written: {compat / manual:.2f}x {verdict}")
    print(
        f"target: compat within 10% of view:    {compat / view:.2f}x "
        f"{'PASS' if compat >= 0.9 * view else 'MISS'}"
    )
    callbacks = medians["compat+cb"] / medians["view+cb"]
    print(f"fork / view: {medians['fork'] / view:.2f}x; compat+cb / view+cb: {callbacks:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="iterations per case per round")
    parser.add_argument("--rounds", type=int, default=20, help="rounds (each runs every case once)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up iterations per case")
    args = parser.parse_args(argv)

    apps = build_apps()
    token = AuthViews(AuthViewsConfig(secret_key=SECRET)).create_access_token(IDENTITY)
    scope = make_scope(token)
    cases = [asgi_case(name, app, scope) for name, app in apps.items()]

    async def go() -> None:
        await measure(cases, args.requests, args.rounds, args.warmup)
        # the callback case changes the process-wide configuration: measured last, on its own
        PROCESS.set_attribute("_denylist_enabled", True)
        PROCESS.set_callback(_not_revoked)
        last = asgi_case("compat+cb", apps["compat(sync)"], scope)
        await measure([last], args.requests, args.rounds, args.warmup)
        cases.append(last)

    try:
        asyncio.run(go())
    except BenchmarkError as exc:
        print(f"benchmark FAILED: {exc}", file=sys.stderr)
        return 1
    report(cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
