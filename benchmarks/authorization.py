"""What scopes and typed claims add to a request, in-process.

What is measured
----------------
GET requests driven straight through each ASGI app (``await app(scope, receive, send)`` in a loop on one
event loop), every answer's status checked, all with the same HS256 token (granting ``read write`` and
carrying ``role``/``tenant`` claims):

``view``           ``ProtectedView``, an ``async def`` handler (the baseline);
``view+scopes``    ``class V(ProtectedView, scopes=["read", "write"])``: the check inside the view's
                   own dependency;
``route-scopes``   ``ProtectedView`` and ``dependencies=[Depends(require_scopes("read"))]`` on the route:
                   a second dependency, sharing the view's authentication;
``typed``          ``class V(ProtectedView[Claims])`` reading ``self.auth.typed_claims``;
``typed+scopes``   both on the class.

Then the bare operations, timed without FastAPI: ``check_scopes`` (a space-delimited claim of 2 and of
20 scopes) and ``validate_claims`` (a 3-field model, and a 12-field one with a nested list).

The rounds rotate the order of the cases, so drift on a shared machine spreads over all of them; the
median of each case, its cost per request and its difference from ``view`` are printed. Target: the
class-level scopes check and typed claims each add at most a few microseconds (``<= 5 us``: PASS or
MISS; the exit status is 0 either way, non-zero only when a request misbehaves).

Run: ``python benchmarks/authorization.py [--requests N] [--rounds R]`` with the repository on
``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import timeit
from collections.abc import Callable
from typing import Any, Literal

from _asgi import BenchmarkError, Case, asgi_case, make_scope, measure
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, require_scopes
from fastapi_jwt_views.claims import validate_claims
from fastapi_jwt_views.scopes import check_scopes

SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
TARGET_US = 5.0


class Claims(BaseModel):
    role: Literal["admin", "user"]
    tenant: int
    sub: str


class Large(BaseModel):
    role: Literal["admin", "user"]
    tenant: int
    sub: str
    jti: str
    iat: int
    exp: int
    type: str
    fresh: bool
    groups: list[str]
    region: str
    plan: str
    seats: int


def build_apps() -> dict[str, FastAPI]:
    apps: dict[str, FastAPI] = {}
    for name in ("view", "view+scopes", "route-scopes", "typed", "typed+scopes"):
        app = apps[name] = FastAPI()
        AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
        router = APIRouter()
        if name == "view":

            class Plain(ProtectedView):
                @router.get("/r")
                async def get(self) -> Any:
                    return {"user": self.auth.identity}

        elif name == "view+scopes":

            class Scoped(ProtectedView, scopes=["read", "write"]):
                @router.get("/r")
                async def get(self) -> Any:
                    return {"user": self.auth.identity}

        elif name == "route-scopes":

            class RouteScoped(ProtectedView):
                @router.get("/r", dependencies=[Depends(require_scopes("read"))])
                async def get(self) -> Any:
                    return {"user": self.auth.identity}

        elif name == "typed":

            class Typed(ProtectedView[Claims]):
                @router.get("/r")
                async def get(self) -> Any:
                    return {"user": self.auth.identity, "role": self.auth.typed_claims.role}

        else:

            class Both(ProtectedView[Claims], scopes=["read", "write"]):
                @router.get("/r")
                async def get(self) -> Any:
                    return {"user": self.auth.identity, "role": self.auth.typed_claims.role}

        app.include_router(router)
    return apps



def micro(number: int) -> list[tuple[str, float]]:
    """The bare operations, in microseconds each."""
    two = {"scope": "read write"}
    twenty = {"scope": " ".join(f"scope:{i}" for i in range(20))}
    claims = {"sub": "alice", "role": "admin", "tenant": 3, "jti": "j" * 36, "iat": 1, "exp": 2}
    large = {
        **claims,
        "type": "access",
        "fresh": True,
        "groups": ["a", "b", "c"],
        "region": "eu",
        "plan": "pro",
        "seats": 5,
    }
    operations: list[tuple[str, Callable[[], object]]] = [
        ("check_scopes, 2 of 2", lambda: check_scopes(two, ("read", "write"), "scope")),
        ("check_scopes, 2 of 20", lambda: check_scopes(twenty, ("scope:3", "scope:17"), "scope")),
        ("validate_claims, 3 fields", lambda: validate_claims(Claims, claims)),
        ("validate_claims, 12 fields", lambda: validate_claims(Large, large)),
    ]
    return [(name, min(timeit.repeat(op, number=number, repeat=5)) / number * 1e6) for name, op in operations]


def report(cases: list[Case], operations: list[tuple[str, float]]) -> None:
    medians = {case.name: statistics.median(case.rates) for case in cases}
    base = 1e6 / medians["view"]
    print(f"{'case':<14} {'median/s':>10} {'min/s':>10} {'max/s':>10} {'us/req':>8} {'+us':>6}")
    for case in cases:
        median = medians[case.name]
        print(
            f"{case.name:<14} {median:>10,.0f} {min(case.rates):>10,.0f} {max(case.rates):>10,.0f} "
            f"{1e6 / median:>8.1f} {1e6 / median - base:>+6.1f}"
        )
    print()
    for name, cost in operations:
        print(f"{name:<28} {cost:>6.2f} us")
    print()
    for name in ("view+scopes", "typed"):
        added = 1e6 / medians[name] - base
        verdict = "PASS" if added <= TARGET_US else "MISS"
        print(f"target: {name} adds <= {TARGET_US:.0f} us per request: {added:+.1f} us {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="iterations per case per round")
    parser.add_argument("--rounds", type=int, default=20, help="rounds (each runs every case once)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up iterations per case")
    parser.add_argument("--number", type=int, default=20000, help="iterations of each bare operation")
    args = parser.parse_args(argv)

    apps = build_apps()
    issuer = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = issuer.create_access_token(
        "alice", scopes=["read", "write"], claims={"role": "admin", "tenant": 3}
    )
    scope = make_scope(token)
    cases = [asgi_case(name, app, scope) for name, app in apps.items()]
    try:
        asyncio.run(measure(cases, args.requests, args.rounds, args.warmup))
    except BenchmarkError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"python {sys.version.split()[0]}, {args.requests} requests x {args.rounds} rounds per case")
    report(cases, micro(args.number))
    return 0


if __name__ == "__main__":
    sys.exit(main())
