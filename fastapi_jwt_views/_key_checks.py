"""Validation of the key-set and identity-provider settings (``AUTHJWT_VERIFY_KEYS``, ``AUTHJWT_JWKS_URL``,
``AUTHJWT_IDENTITY_CLAIM``...): each check turns a typed value into its normalised form or raises a
``ConfigurationError`` naming the setting. Used by :mod:`fastapi_jwt_views.config`; see :mod:`.keys`.
"""

from __future__ import annotations

from typing import Any

from ._checks import check_algorithm, check_bool, check_text, fail, type_error

__all__ = ["check_identity_claim", "check_jwks_url", "check_positive_number", "check_verify_keys"]

_VERIFY_KEY_MATERIAL = ("secret", "pem", "pem_file", "jwk")
_VERIFY_KEY_FIELDS = frozenset({*_VERIFY_KEY_MATERIAL, "algorithm", "kid", "retire_after", "legacy"})


def check_positive_number(name: str, value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise type_error(name, "a number of seconds", value)
    if not 0 < value < float("inf"):
        raise fail(name, f"must be a positive number of seconds, got {value}")
    return float(value)


def check_jwks_url(name: str, value: object) -> str | None:
    from urllib.parse import urlsplit

    if value is None:
        return None
    url = check_text(name, value)
    parts = urlsplit(url)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    plain = parts.scheme == "http" and not loopback
    if not parts.hostname or parts.scheme not in ("https", "http") or plain:
        raise fail(name, f"must be an https:// URL (http:// only for a loopback address), got {url!r}")
    return url


def check_identity_claim(name: str, value: object) -> str:
    claim = check_text(name, value)
    if claim in ("type", "exp", "iat", "nbf", "jti", "aud", "iss", "fresh", "csrf"):
        raise fail(name, f"must name a claim that identifies a user, not {claim!r}")
    return claim


def _retire_after(name: str, value: object) -> Any:
    from datetime import datetime

    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(name, f"retire_after {value!r} is not an ISO 8601 date and time") from None
    if not isinstance(value, datetime):
        raise fail(name, f"retire_after must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        raise fail(name, "retire_after must carry a time zone (e.g. 2027-01-31T00:00:00+00:00)")
    return value


def check_verify_keys(name: str, value: object) -> tuple[Any, ...]:
    from pathlib import Path

    from .keys import VerificationKey

    if value is None:
        return ()
    if isinstance(value, (VerificationKey, dict)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise type_error(name, "a list of VerificationKey or of JSON objects", value)
    keys = []
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        if isinstance(item, dict):
            unknown = sorted(set(item) - _VERIFY_KEY_FIELDS)
            material = [field for field in _VERIFY_KEY_MATERIAL if item.get(field) is not None]
            if unknown or len(material) != 1:
                raise fail(
                    where, f"must have exactly one of secret, pem, pem_file, jwk and only the fields "
                    f"{sorted(_VERIFY_KEY_FIELDS)}; got {sorted(item)}"
                )
            raw = item[material[0]]
            if material[0] == "pem_file":
                try:
                    raw = Path(str(raw)).read_bytes()
                except OSError as exc:
                    raise fail(where, f"pem_file {raw!r} cannot be read: {exc.strerror}") from None
            item = VerificationKey(
                key=raw, algorithm=item.get("algorithm"), kid=item.get("kid"),
                retire_after=item.get("retire_after"), legacy=item.get("legacy", False),
            )
        if not isinstance(item, VerificationKey):
            raise type_error(where, "a VerificationKey or a JSON object", item)
        if not isinstance(item.key, (str, bytes, dict)) or not item.key:
            raise fail(where, "key must be a non-empty str, bytes or JWK object")
        if item.kid is not None and (not isinstance(item.kid, str) or not item.kid):
            raise fail(where, "kid must be a non-empty string")
        algorithm = None if item.algorithm is None else check_algorithm(where, item.algorithm)
        keys.append(
            VerificationKey(
                item.key,
                algorithm,
                item.kid,
                _retire_after(where, item.retire_after),
                check_bool(where, item.legacy),
            )
        )
    if sum(key.legacy for key in keys) > 1:
        raise fail(name, "may mark one key legacy (verifying tokens without kid), not several")
    return tuple(keys)
