"""Strict reading of a token's compact serialization, before PyJWT is trusted with it.

PyJWT is lenient where the RFCs are not: it accepts ``=`` padding and non-canonical trailing bits in a
segment (RFC 7515 §2 requires base64url *without* padding, and a token has one encoding only), and its JSON
parser reads UTF-16, UTF-32 and a UTF-8 BOM (RFC 7519 §7.2 requires UTF-8). A token that is not in the one
canonical form is refused here, with PyJWT's own messages so that errors keep their meaning. Only tokens
that miss the verified-token cache pass through this, so it costs nothing on the hot path.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

from . import errors

__all__ = ["check_compact", "check_text", "read_header"]

_SEGMENT: Final = re.compile(r"[A-Za-z0-9_-]*")
_TOKEN: Final = re.compile(r"([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)")
# A canonical unpadded segment ends in whole 4-character quanta, or in 2 or 3 characters whose last one
# leaves its unused low bits (4 or 2 of them) at zero; a length of 1 modulo 4 is no encoding at all.
_LAST: Final = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}
_NAMES: Final = ("header", "payload", "crypto")
_BOM: Final = b"\xef\xbb\xbf"


def _json_bytes(segment: str, name: str) -> bool:
    """Decode one JSON segment and refuse anything but UTF-8; True when its parsed value needs
    :func:`check_text`: it has ``\\u`` escapes, or ``NaN``/``Infinity`` (Python reads them, JSON has not)."""
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    # UTF-16/32 JSON has NUL bytes (no UTF-8 JSON text does); strict UTF-8 also refuses encoded surrogates.
    if b"\x00" in raw or raw.startswith(_BOM):
        raise errors.DecodeError(f"Invalid {name} string: must be UTF-8 JSON")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.DecodeError(f"Invalid {name} string: must be UTF-8 JSON") from None
    return b"\\u" in raw or b"NaN" in raw or b"Infinity" in raw


def check_compact(token: str) -> tuple[bool, bool]:
    """Refuse a token that is not three canonical base64url segments with UTF-8 JSON header and payload.

    Returns whether the header and the payload may hold what only their parsed form shows (lone surrogates
    spelled as ``\\u`` escapes, ``NaN``): check those with :func:`check_text` once they are parsed.
    """
    match = _TOKEN.fullmatch(token)
    if match is None:
        parts = token.split(".")
        if len(parts) != 3:
            raise errors.DecodeError("Not enough segments" if len(parts) < 3 else "Too many segments")
        name = next(name for part, name in zip(parts, _NAMES, strict=True) if not _SEGMENT.fullmatch(part))
        raise errors.DecodeError(f"Invalid {name} padding")
    segments = match.groups()
    for segment, name in zip(segments, _NAMES, strict=True):
        rest = len(segment) & 3
        if rest and (rest == 1 or segment[-1] not in _LAST[rest]):
            raise errors.DecodeError(f"Invalid {name} padding")
    try:
        return _json_bytes(segments[0], "header"), _json_bytes(segments[1], "payload")
    except binascii.Error:  # unreachable after the checks above; kept so input never gives a 500
        raise errors.DecodeError("Invalid token") from None


def check_text(value: Any, name: str) -> None:
    """Refuse parsed JSON holding strings that are not Unicode text (lone surrogates) or NaN/Infinity."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError):
        raise errors.DecodeError(f"Invalid {name} string: must be UTF-8 JSON") from None


def read_header(token: str) -> dict[str, Any]:
    """The JOSE header of a token :func:`check_compact` accepted, parsed once to choose its key (PyJWT's
    ``get_unverified_header`` would check and decode all three segments again); PyJWT's messages."""
    segment = token[: token.index(".")]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise errors.DecodeError(f"Invalid header string: {exc}") from None
    if not isinstance(header, dict):
        raise errors.DecodeError("Invalid header string: must be a json object")
    return header
