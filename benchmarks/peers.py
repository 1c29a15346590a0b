"""fastapi-jwt-views against the libraries users would pick instead, each in its own virtual environment.

What is measured
----------------
Every contract app of ``benchmarks/peer_apps`` (not ``app_ours_floor.py``, http_bench's unauthenticated
reference) serves the same contract (``_contract.py``): ``GET /open`` with no
auth, ``POST /login`` issuing an access and a refresh token, ``GET /protected`` answering the identity of
the access token. One app per library, written as that library documents it:

==========================  ===========================================================================
``ours``                    fastapi-jwt-views from this checkout: login and ``ProtectedView`` on an
                            included ``APIRouter``, in-memory revocation check on
``handwritten``             an ``async`` PyJWT dependency on ``@app.get`` (same venv as ``ours``)
``authx``                   ``Depends(auth.access_token_required)``
``fastapi-jwt``             ``Security(JwtAccessBearer(...))``, authlib backend
``async-fastapi-jwt-auth``  ``AuthJWT = Depends()`` and ``await Authorize.jwt_required()``
``fastapi-jwt-auth``        0.5.0 on its own stack: fastapi 0.99, pydantic 1, PyJWT 1.7
==========================  ===========================================================================

The script makes one virtual environment per library under ``--dir`` (kept between runs; ``--reinstall``
makes them anew), installs the library from PyPI at the pinned version below with the same uvicorn,
uvloop and httptools everywhere; ``ours`` is reinstalled from the checkout on every run. Each app is first
proven to authenticate (``_checks.verify``: missing, broken, foreign-key, ``alg: none``, expired and refresh
tokens, a wrong password). Then, in one run:

* in-process: ``peer_apps/_drive.py`` in each venv drives the app through its ASGI callable (no server),
  ``open``/``protected``/``login`` in interleaved rounds;
* over HTTP: each app under one uvicorn worker pinned to CPU 0, wrk (16 connections) pinned to CPU 1,
  every (app, route) pair in rotated order each round (``http_bench.py``'s runner).

The stacks differ (fastapi-jwt-auth cannot run on pydantic 2), so absolute rates are not comparable
across venvs; the ratios to the app's own open route are, and they are what the tables show, each taken
within one round, median [min-max] over the rounds: once for requests per second, once per CPU-second of
the app's process (which other work on the machine does not move). Every venv's versions are printed.
In-process, requests run one at a time, so a library whose dependency runs in the thread pool pays the
whole hop there; over HTTP, with 16 connections, other requests' work overlaps it.

Run: ``python benchmarks/peers.py [--dir DIR] [--only NAME ...] [--rounds R] [--requests N]
[--duration S] [--http-rounds R] [--no-http] [--reinstall]``. ``--smoke`` creates no venv: it drives the
apps importable here (ours and handwritten) in-process with tiny counts, for the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from http_bench import (  # noqa: E402
    RATIOS,
    ROUTES,
    HttpBenchmarkError,
    Server,
    machine,
    measure,
    pinned,
    report,
    same_stack,
    span,
)

DRIVER = HERE / "peer_apps" / "_drive.py"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "fastapi-jwt-views-peers"
STACK = ("uvicorn==0.54.0", "uvloop==0.23.0", "httptools==0.9.0")  # the same server in every venv


@dataclass(frozen=True)
class Peer:
    name: str
    module: str  # in benchmarks/peer_apps
    venv: str
    requirements: tuple[str, ...]


PEERS = (
    Peer("ours", "app_ours", "ours", (str(ROOT),)),
    Peer("handwritten", "app_handwritten", "ours", (str(ROOT),)),
    Peer("authx", "app_authx", "authx", ("authx==1.7.1",)),
    Peer("fastapi-jwt", "app_fastapi_jwt", "fastapi-jwt", ("fastapi-jwt[authlib]==0.3.0",)),
    Peer("async-fastapi-jwt-auth", "app_async_fastapi_jwt_auth", "async-fastapi-jwt-auth",
         ("async-fastapi-jwt-auth==0.6.6",)),
    # 0.5.0 needs pydantic 1 (so fastapi < 0.100) and PyJWT < 2; fastapi 0.99.1 is the newest such fastapi
    Peer("fastapi-jwt-auth", "app_fastapi_jwt_auth", "fastapi-jwt-auth",
         ("fastapi-jwt-auth==0.5.0", "fastapi==0.99.1", "pydantic>=1.10,<2", "PyJWT==1.7.1")),
)


class PeerError(RuntimeError):
    """A venv could not be made or an app could not be measured."""


def clean_env() -> dict[str, str]:
    """The environment for a venv's python: nothing from this checkout's ``PYTHONPATH``."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def pip(python: Path, log: Path, *args: str) -> None:
    with log.open("a") as out:
        out.write(f"\n$ pip install {' '.join(args)}\n")
        out.flush()
        result = subprocess.run([str(python), "-m", "pip", "install", "-q", *args], stdout=out,
                                stderr=subprocess.STDOUT, env=clean_env(), check=False)
    if result.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise PeerError(f"pip install {' '.join(args)} failed (log: {log}):\n" + "\n".join(tail))


def ensure_venv(base: Path, peer: Peer, reinstall: bool, refreshed: set[str]) -> Path:
    """The python of ``peer``'s venv, made and installed when missing; ours is reinstalled every run."""
    venv = base / peer.venv
    python = venv / "bin" / "python"
    log = venv / "install.log"
    if peer.venv in refreshed:
        return python
    if reinstall and venv.exists():
        shutil.rmtree(venv)
    marker = venv / "installed.ok"
    if not marker.exists():
        print(f"making {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, env=clean_env())
        pip(python, log, *STACK, *peer.requirements)
        marker.write_text("\n".join(peer.requirements) + "\n")
    elif str(ROOT) in peer.requirements:  # measure this checkout as it is now
        pip(python, log, "--no-deps", "--force-reinstall", str(ROOT))
    refreshed.add(peer.venv)
    return python


def inprocess(peer: Peer, python: str, requests: int, rounds: int, warmup: int, env: dict[str, str]) -> Any:
    command = pinned("0", [python, str(DRIVER), peer.module, "--requests", str(requests),
                           "--rounds", str(rounds), "--warmup", str(warmup)])
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=1800)
    lines = result.stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise PeerError(f"{peer.name}: the in-process driver failed:\n{result.stderr[-3000:]}") from None
    if "error" in found:
        raise PeerError(f"{peer.name}: {found['error']}")
    return found


def per_round_of(rates: dict[str, list[float]], a: str, b: str) -> list[float]:
    """In-process: the rate of case ``a`` over that of case ``b``, taken within each round."""
    return [x / y for x, y in zip(rates[a], rates[b], strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"where the venvs live ({DEFAULT_DIR})")
    parser.add_argument("--only", nargs="+", choices=[p.name for p in PEERS], help="measure only these")
    parser.add_argument("--requests", type=int, default=2000, help="in-process requests per route per round")
    parser.add_argument("--rounds", type=int, default=10, help="in-process rounds")
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds of wrk per route per round")
    parser.add_argument("--http-rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-http", action="store_true", help="in-process figures only (no wrk needed)")
    parser.add_argument("--reinstall", action="store_true", help="make every venv anew")
    parser.add_argument("--smoke", action="store_true",
                        help="no venvs: ours and handwritten in this environment, in-process, tiny counts")
    args = parser.parse_args(argv)

    if args.smoke:
        peers = [p for p in PEERS if p.venv == "ours"]
        pythons = {p.name: sys.executable for p in peers}
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        args.no_http = True
    else:
        if not args.no_http and shutil.which("wrk") is None:
            print("wrk not found: the HTTP part needs wrk (apt-get install wrk); --no-http skips it",
                  file=sys.stderr)
            return 2
        peers = [p for p in PEERS if not args.only or p.name in args.only]
        pythons, failed, refreshed = {}, {}, set()
        args.dir.mkdir(parents=True, exist_ok=True)
        for peer in peers:
            try:
                pythons[peer.name] = str(ensure_venv(args.dir, peer, args.reinstall, refreshed))
            except (PeerError, subprocess.CalledProcessError) as exc:
                failed[peer.name] = str(exc)
                print(f"{peer.name}: NOT MEASURED, {exc}", file=sys.stderr)
        peers = [p for p in peers if p.name in pythons]
        env = clean_env()

    print(machine())
    found: dict[str, Any] = {}
    for peer in peers:
        print(f"in-process: {peer.name} ...", flush=True)
        try:
            found[peer.name] = inprocess(peer, pythons[peer.name], args.requests, args.rounds, args.warmup,
                                         env)
        except PeerError as exc:
            print(f"{peer.name}: NOT MEASURED, {exc}", file=sys.stderr)
    peers = [p for p in peers if p.name in found]

    http_found: dict[str, dict[str, list[float]]] = {}
    if not args.no_http and peers:
        servers = [Server(p.name, p.module, python=pythons[p.name], env=env) for p in peers]
        print(flush=True)
        try:
            for server in servers:
                server.start(fast=True)
            for server in servers:
                server.wait_ready()
                server.check()
            print(f"over HTTP: wrk -t1 -c{args.connections}, {args.duration:g} s per route per round, "
                  f"{args.http_rounds} rounds, {len(servers)} apps ...", flush=True)
            results = measure(servers, args.http_rounds, args.duration, args.connections)
        except HttpBenchmarkError as exc:
            print(f"HTTP part FAILED: {exc}", file=sys.stderr)
            return 1
        finally:
            for server in servers:
                server.stop()
        print()
        http_found = report(servers, results)
        same_stack(results)

    print()
    print(machine())
    print(f"in-process: {args.requests} requests x {args.rounds} rounds per route; ratios to the app's own "
          f"open route, median [min-max] over rounds (comparable across venvs; absolute rates are not)")
    for suffix, what in (("", "requests per second (wall clock)"),
                         (" cpu", "requests per CPU-second of the app's process (robust to other load)")):
        print()
        print(f"ratios of {what}:")
        header = f"{'app':<24} {'in-process prot/open':>21} {'in-process login/open':>21}"
        if http_found:
            header += f" {'HTTP prot/open':>21} {'HTTP login/open':>21}"
        print(header)
        print("-" * len(header))
        for peer in peers:
            rates = found[peer.name]["rates"]
            row = f"{peer.name:<24}" + "".join(
                f" {span(per_round_of(rates, route + suffix, 'open' + suffix)):>21}"
                for route in ("protected", "login"))
            if peer.name in http_found:
                row += "".join(f" {span(http_found[peer.name][name + suffix]):>21}" for name in RATIOS)
            print(row)
    print()
    print("in-process median req/s and, in brackets, per CPU-second (absolute, for information; one request "
          "at a time, so a dependency run in the thread pool pays the whole hop here, while over HTTP other "
          "connections' work overlaps it):")
    for peer in peers:
        rates = found[peer.name]["rates"]
        median = {name: statistics.median(values) for name, values in rates.items()}
        cells = [f"{route} {median[route]:>7,.0f} ({median[route + ' cpu']:>7,.0f})" for route in ROUTES]
        print(f"  {peer.name:<24} " + "  ".join(cells))
    if {"ours", "handwritten"} <= found.keys():
        for route in ROUTES:
            ours, hand = (statistics.median(found[name]["rates"][route + " cpu"])
                          for name in ("ours", "handwritten"))
            print(f"  ours {route} / handwritten {route} per CPU-second (same venv, ratio of medians): "
                  f"{ours / hand:.3f}")
    print()
    print("versions, and the status each app answered a missing, broken, foreign-key, alg-none, expired "
          "and refresh token with:")
    for peer in peers:
        versions = ", ".join(f"{k} {v}" for k, v in found[peer.name]["versions"].items())
        print(f"  {peer.name:<24} {versions}")
        print(f"  {'':<24} {'; '.join(found[peer.name]['refusals'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
