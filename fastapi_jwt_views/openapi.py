"""Security schemes and error responses in the OpenAPI document, following each app's configuration.

Every authentication dependency is also a FastAPI security scheme, so FastAPI lists it on the operations
that use it. Its scheme is a placeholder named after the requirement and locations; when the document is
generated, :func:`document` replaces each placeholder with the concrete schemes of the app's
configuration (HTTP bearer for the ``Authorization`` header, an API key in a cookie or the query string),
marks optional routes' security as optional, and documents the 401 (and 503) responses. This happens once
per generated document, never per request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from .config import AuthViewsConfig
from .locations import Location
from .tokens import Requirement

__all__ = ["MARK_PREFIX", "AuthScheme", "document"]

#: Placeholder scheme names start with this; none survives :func:`document`.
MARK_PREFIX: Final = "fastapi_jwt_views:"
_ERROR_SCHEMA: Final = "AuthError"
_DOCUMENTED: Final = "__fastapi_jwt_views_openapi__"


class AuthScheme(SecurityBase):
    """The security-scheme side of an authentication dependency: what it requires and where it looks."""

    def __init__(self, requirement: Requirement, locations: tuple[Location, ...] | None) -> None:
        self.requirement: Requirement = requirement
        self.locations = locations
        where = ",".join(self.locations) if self.locations is not None else "configured"
        self.scheme_name = f"{MARK_PREFIX}{requirement}:{where}"
        # What the default configuration declares, should the document not be rewritten.
        self.model = HTTPBearerModel(bearerFormat="JWT")


def _schemes(
    config: AuthViewsConfig, requirement: str, locations: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The concrete schemes (name -> definition) of one requirement's locations, in order."""
    refresh = requirement == "refresh"
    found: dict[str, dict[str, Any]] = {}
    for location in locations:
        if location == "headers" and config.header_type.lower() == "bearer":
            found["BearerToken"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        elif location == "headers":
            found["HeaderToken"] = {
                "type": "apiKey",
                "in": "header",
                "name": config.header_name,
                "description": f"'{config.header_type} <JWT>'" if config.header_type else "'<JWT>'",
            }
        elif location == "cookies":
            name = "RefreshTokenCookie" if refresh else "AccessTokenCookie"
            csrf = config.refresh_csrf_header_name if refresh else config.access_csrf_header_name
            found[name] = {
                "type": "apiKey",
                "in": "cookie",
                "name": config.refresh_cookie_key if refresh else config.access_cookie_key,
                "description": (
                    f"{', '.join(sorted(config.csrf_methods))} also need the {csrf} header"
                    if config.cookie_csrf_protect
                    else "The token cookie"
                ),
            }
        elif location == "query":
            found["QueryToken"] = {"type": "apiKey", "in": "query", "name": config.query_string_name}
    return found


def _rewrite(schema: dict[str, Any], config: AuthViewsConfig) -> None:
    components = schema.setdefault("components", {})
    schemes = components.get("securitySchemes", {})
    markers = {name for name in schemes if name.startswith(MARK_PREFIX)}
    if not markers:
        return
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "security" in operation:
                _rewrite_operation(operation, config, schemes)
    for name in markers:
        del schemes[name]
    components.setdefault("schemas", {})[_ERROR_SCHEMA] = {
        "title": _ERROR_SCHEMA,
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "string"}},
        "required": ["detail"],
    }


def _rewrite_operation(operation: dict[str, Any], config: AuthViewsConfig, schemes: dict[str, Any]) -> None:
    security: list[dict[str, list[str]]] = []
    optional = found = False
    for requirement in operation["security"]:
        mine = [name for name in requirement if name.startswith(MARK_PREFIX)]
        if not mine:
            security.append(requirement)
            continue
        found = True
        others = {name: scopes for name, scopes in requirement.items() if name not in mine}
        for name in mine:
            kind, _, where = name.removeprefix(MARK_PREFIX).partition(":")
            locations = config.token_location if where == "configured" else where.split(",")
            concrete = _schemes(config, kind, locations)
            schemes.update(concrete)
            security.extend({**others, scheme: []} for scheme in concrete)
            optional = optional or kind == "optional"
    if optional:
        security.append({})  # OpenAPI: an empty requirement means "no authentication" is accepted too
    operation["security"] = security
    if found:
        responses = operation.setdefault("responses", {})
        error = {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{_ERROR_SCHEMA}"}}}
        }
        responses.setdefault("401", {"description": "Missing, invalid, expired or revoked token", **error})
        if config.blacklist_enabled:
            responses.setdefault("503", {"description": "The revocation store cannot answer", **error})


def document(app: FastAPI, current_config: Callable[[], AuthViewsConfig]) -> None:
    """Make ``app``'s OpenAPI document declare the security schemes of its configuration (read when the
    document is generated, through ``current_config``). Idempotent."""
    if getattr(app, _DOCUMENTED, False):
        return
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original()
        _rewrite(schema, current_config())
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it
    setattr(app, _DOCUMENTED, True)
