"""Signing the tokens this app issues: the JWS compact serialization (RFC 7515 §7.1) of a header and claims.

``jwt.encode`` prepares its key again on every call (for an HMAC secret: checks that the bytes are not a
PEM, SSH or JWK key), a quarter of the cost of issuing a token. The keys here were prepared once, when the
configuration was loaded (``keys.py``), so this module writes the two segments as ``jwt.encode`` does
(the header with sorted keys, both in compact JSON, base64url without padding) and signs them with PyJWT's
own algorithm object. The tokens are byte for byte those ``jwt.encode`` makes, and are verified by PyJWT.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt

__all__ = ["sign"]

_ALGORITHMS: dict[str, Any] = {}
#: The header segment of tokens whose header is only a ``kid``, by (algorithm, kid): one per configured key,
#: so it stays small; other headers (set per token) are written every time.
_HEADERS: dict[tuple[str, Any], bytes] = {}


def _segment(value: dict[str, Any], *, sort_keys: bool) -> bytes:
    data = json.dumps(value, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def sign(header: dict[str, Any], claims: dict[str, Any], algorithm: str, key: Any) -> str:
    """The signed compact token of ``claims`` with ``algorithm`` (``alg``, ``typ`` and ``header``'s fields
    in its header), ``key`` being a key prepared for that algorithm."""
    signer = _ALGORITHMS.get(algorithm)
    if signer is None:
        signer = _ALGORITHMS[algorithm] = jwt.get_algorithm_by_name(algorithm)
    kid = header.get("kid") if len(header) == 1 else None
    segment = _HEADERS.get((algorithm, kid)) if type(kid) is str else None
    if segment is None:
        head = {"typ": "JWT", "alg": algorithm, **header}
        if not head["typ"]:  # as jwt.encode: headers={"typ": None} (or "") leaves it out
            del head["typ"]
        segment = _segment(head, sort_keys=True)
        if type(kid) is str and len(_HEADERS) < 256:
            _HEADERS[algorithm, kid] = segment
    signing_input = segment + b"." + _segment(claims, sort_keys=False)
    signature = base64.urlsafe_b64encode(signer.sign(signing_input, key)).rstrip(b"=")
    return (signing_input + b"." + signature).decode("ascii")
