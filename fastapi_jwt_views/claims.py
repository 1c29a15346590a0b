"""Typed claims: a pydantic model of a token's claims, validated when a request is authenticated.

A view names its model as its type parameter, ``class Account(ProtectedView[MyClaims])``: every route of
the view then validates the token's claims with it (a token whose claims do not fit gets a 401
:class:`~fastapi_jwt_views.errors.InvalidClaimsError`, whatever the model raised), and
``self.auth.typed_claims`` is the model instance, typed ``MyClaims`` for mypy and editors. Creating a
token with ``claims=MyClaims(...)`` validates the claims when the model is built.

The model is given every claim (``sub``, ``exp`` ... included), so it may declare the registered ones
it needs; undeclared claims are ignored unless the model forbids extras. Validating a small model costs
under a microsecond, so it is done once per request rather than cached: a cached instance would have to
be copied for each request (models are mutable), which costs as much.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from typing_extensions import TypeVar

from . import errors

__all__ = ["ClaimsT", "claims_payload", "validate_claims"]

logger = logging.getLogger("fastapi_jwt_views")

#: The claims model of a view and of its ``self.auth`` (``BaseModel`` when the view names none).
ClaimsT = TypeVar("ClaimsT", bound=BaseModel, default=BaseModel)
_M = TypeVar("_M", bound=BaseModel)
_REASON_LIMIT: Final = 200


def validate_claims(model: type[_M], claims: Mapping[str, Any]) -> _M:
    """``claims`` as an instance of ``model``; a 401 :class:`InvalidClaimsError` when they do not fit."""
    try:
        return model.model_validate(claims)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        reason = f"{where}: {first['msg']}" if where else first["msg"]
        raise errors.InvalidClaimsError(f"Invalid claims: {reason}"[:_REASON_LIMIT]) from exc
    except Exception as exc:  # a validator of the user's that raised something else: still a 401
        logger.warning("claims model %s raised %r; the token is refused", model.__qualname__, exc)
        raise errors.InvalidClaimsError() from exc


def claims_payload(claims: Mapping[str, Any] | BaseModel | None) -> Mapping[str, Any] | None:
    """The claims to put in a token: a model instance as JSON-ready data (it was validated when built)."""
    if isinstance(claims, BaseModel):
        return claims.model_dump(mode="json")
    return claims
