"""Scopes: what a token allows, read from its scope claim, and the check a view or a route declares.

A token carries its scopes in one claim (``AUTHJWT_SCOPE_CLAIM``, default ``scope``): a space-delimited
string (OAuth's form, RFC 8693 §4.2) or a list of strings (``scp``, ``scopes`` in some issuers). A view
declares the scopes all its routes need (``class Admin(ProtectedView, scopes=["admin:write"])``), a route
those it needs on top (``dependencies=[Depends(require_scopes("a", "b"))]``). A token lacking one gets a
403 :class:`~fastapi_jwt_views.errors.InsufficientScopeError` (RFC 6750 §3.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from . import errors
from ._checks import check_text, fail

__all__ = ["check_scope_claim", "check_scopes", "granted_scopes", "scope_list"]

#: RFC 6749 §3.3: a scope is printable ASCII without space, '"' and '\' (so it is safe in a header too).
_SCOPE: Final = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def scope_list(scopes: Iterable[str], what: str = "scopes") -> tuple[str, ...]:
    """``scopes`` checked (RFC 6749 scope tokens) and without duplicates, in their order."""
    if isinstance(scopes, (str, bytes)):
        raise TypeError(f"{what} must be a list of strings, not one string: write [{scopes!r}]")
    found: dict[str, None] = {}
    for scope in scopes:
        if not isinstance(scope, str):
            raise TypeError(f"{what} must be strings, got {type(scope).__name__}")
        if not _SCOPE.fullmatch(scope):
            raise ValueError(
                f"{what}: {scope!r} is not a scope (printable ASCII without spaces, quotes or backslashes)"
            )
        found[scope] = None
    return tuple(found)


def granted_scopes(claims: Mapping[str, Any], claim: str) -> frozenset[str]:
    """The scopes a token's ``claim`` grants; a claim of any other shape is refused (401)."""
    value = claims.get(claim)
    if value is None:
        return frozenset()
    if type(value) is str:
        return frozenset(value.split())
    if type(value) is list and all(type(scope) is str for scope in value):
        return frozenset(value)
    raise errors.DecodeError(f"Invalid claim: {claim} must be a space-delimited string or a list of strings")


def check_scopes(claims: Mapping[str, Any], required: tuple[str, ...], claim: str) -> None:
    """Refuse claims that do not grant every scope of ``required`` (403, naming the missing ones)."""
    granted = granted_scopes(claims, claim)
    if granted.issuperset(required):
        return
    missing = " ".join(scope for scope in required if scope not in granted)
    raise errors.InsufficientScopeError(f"Insufficient scope: missing {missing}", scopes=required)


def check_scope_claim(name: str, value: object) -> str:
    """The setting naming the claim that holds a token's scopes: a claim the library does not set."""
    from .tokens import RESERVED_CLAIMS  # tokens imports the configuration, which imports this

    claim = check_text(name, value)
    if claim in RESERVED_CLAIMS:
        raise fail(name, f"names a claim the library sets itself: {claim!r}")
    return claim
