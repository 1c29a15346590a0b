"""µs per revocation check as a request pays it (``AuthViews._check_revocation``, memory store), best of 7.

    python benchmarks/revocation_check.py [--calls 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views.tokens import VerifiedToken


async def main(calls: int) -> None:
    config = AuthViewsConfig(secret_key="k9Xq2LmZ7vB4nR8tW1yC6pD3fG5hJ0sA", blacklist_enabled=True)
    authviews = AuthViews(config)
    token = VerifiedToken("", {"alg": "HS256"}, {"jti": "0123456789abcdef", "sub": "user", "type": "access"})
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(calls):
            await authviews._check_revocation(token)
        best = min(best, (time.perf_counter() - start) / calls * 1e6)
    print(f"revocation check (memory store): {best:.2f} us per request, best of 7 x {calls}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    asyncio.run(main(parser.parse_args().calls))
