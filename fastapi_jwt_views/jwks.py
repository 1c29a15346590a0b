"""Publishing the public keys as a JWKS (RFC 7517), so other services can verify this app's tokens.

Only the public half of asymmetric keys is ever written (the active key and the verification keys not yet
retired): never a private key, never an HMAC secret. An app that signs with HMAC only publishes an empty
set. The document is served with ``Cache-Control`` and an ``ETag``; a client sending ``If-None-Match``
with the current tag gets a 304.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from .core import AuthViews

__all__ = ["JWKS_PATH", "jwks_document", "jwks_router"]

#: Where a JWKS is usually published (RFC 8414 ``jwks_uri`` conventions).
JWKS_PATH = "/.well-known/jwks.json"


def jwks_document(authviews: AuthViews) -> dict[str, Any]:
    """The public JWKS of ``authviews``: ``{"keys": [...]}`` with ``kid``, ``alg`` and ``use`` per key."""
    return {"keys": authviews.codec.keys.public_jwks(authviews.codec.clock())}


def jwks_router(
    authviews: AuthViews | None = None, *, path: str = JWKS_PATH, max_age: int = 300
) -> APIRouter:
    """A router serving the JWKS of ``authviews`` (default: the one installed on the app) at ``path``.

    ``max_age`` (seconds) goes into ``Cache-Control``; keep it well below the time a retired key is kept,
    so clients learn of a new key before tokens signed with it arrive: publish a new key as a verification
    key first, make it active after ``max_age``.
    """
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise ValueError("max_age must be a number of seconds (an int, 0 or more)")
    router = APIRouter()

    @router.get(path, include_in_schema=False)
    def jwks(request: Request) -> Response:
        document = jwks_document(authviews if authviews is not None else AuthViews.of(request))
        body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": etag}
        if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    return router
