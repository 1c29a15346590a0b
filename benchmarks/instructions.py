"""Instructions per request (valgrind's callgrind), for ratios that a busy machine does not blur.

Timings on a shared 2-core machine move by 10-30 % from run to run; the number of instructions a request
executes does not (callgrind counts them; the same code and inputs give the same count, whatever else the
machine is doing). Instructions are not time -- HMAC in C, memory stalls and the like weigh differently --
so ``throughput.py`` stays the measure of speed; this script checks its ratios and shows where a change
of code moves them.

Each case is one app built by ``throughput.py`` (every route alone on an included ``APIRouter``; the
hand-written baseline on ``@app.get`` of its own app), driven in-process through ASGI. The script runs
itself under ``valgrind --tool=callgrind`` twice per case, with ``--small`` and ``--small + --requests``
requests, and divides the difference by ``--requests``: start-up and imports cancel out.

Run: ``python benchmarks/instructions.py [--requests N]`` (with the repository on ``PYTHONPATH``; point
``PYTHONPATH`` at another checkout to count that one's library). ``--smoke`` drives every case a few
times without valgrind (for the test suite).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import asgi_case, build_manual_app, build_route_apps, make_scope

CASES = {
    "open": "open route (no auth)",
    "view": "ProtectedView, async def",
    "function": "Depends(require_access), async",
    "manual": "hand-written PyJWT, own app",
}
RATIOS = [
    ("view", "open"), ("function", "open"), ("view", "manual"), ("function", "manual"), ("open", "manual")
]


def drive(name: str, requests: int) -> None:
    """Serve ``requests`` requests of case ``name`` (each checked for its 200)."""
    apps, authviews = build_route_apps()
    token = authviews.create_access_token("alice")
    app: Any
    if name == "manual":
        app, manual_token = build_manual_app()
        scope = make_scope("/manual", manual_token)
    else:
        app, scope = apps[f"/{name}"], make_scope(f"/{name}", token)
    asyncio.run(asgi_case(name, CASES[name], app, scope, 200).run(requests))


def count(name: str, requests: int) -> int:
    """Instructions callgrind counts for one run of this script serving ``requests`` requests of ``name``."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--case", name, "--requests", str(requests),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed for {name}: {done.stderr[-500:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests counted per case")
    parser.add_argument("--small", type=int, default=500, help="requests of the run subtracted")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)  # one run, under valgrind
    parser.add_argument("--smoke", action="store_true", help="drive each case a few times, no valgrind")
    args = parser.parse_args(argv)
    if args.case:
        drive(args.case, args.requests)
        return 0
    if args.smoke:
        for name in CASES:
            drive(name, 5)
        print("smoke: every case answered 200")
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    jobs = [(name, n) for name in CASES for n in (args.small, args.small + args.requests)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        totals = dict(zip(jobs, pool.map(lambda job: count(*job), jobs), strict=True))
    per = {name: (totals[name, args.small + args.requests] - totals[name, args.small]) / args.requests
           for name in CASES}
    print(f"instructions per request (callgrind), {args.requests} requests per case")
    for name, label in CASES.items():
        print(f"  {name:<10} {label:<34} {per[name]:>10,.0f}")
    print("ratios (fewer instructions = higher ratio, as requests/s would be)")
    for case, base in RATIOS:
        print(f"  {case + ' / ' + base:<20} {per[base] / per[case]:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
