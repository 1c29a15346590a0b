"""Security schemes and error responses in the OpenAPI document, following each app's configuration.

Every authentication dependency is also a FastAPI security scheme, so FastAPI lists it on the operations
that use it. Its scheme is a placeholder named after the requirement and locations; when the document is
generated, :func:`document` replaces each placeholder with the concrete schemes of the app's
configuration (HTTP bearer for the ``Authorization`` header, an API key in a cookie or the query string,
and with CSRF protection, the CSRF header required together with the cookie on the methods that need it),
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

    def __init__(
        self, requirement: Requirement, locations: tuple[Location, ...] | None, scopes: tuple[str, ...] = ()
    ) -> None:
        self.requirement: Requirement = requirement
        self.locations = locations
        self.scopes = scopes
        where = ",".join(self.locations) if self.locations is not None else "configured"
        self.scheme_name = f"{MARK_PREFIX}{requirement}:{where}:{' '.join(scopes)}"
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
    # The placeholders are named in the components (a FastAPI dependency) and on operations only (a view
    # calling its dependency itself declares it through the route's openapi_extra).
    components = schema.get("components", {})
    schemes = components.get("securitySchemes", {})
    markers = {name for name in schemes if name.startswith(MARK_PREFIX)}
    found = False
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            requirements = operation.get("security", ()) if isinstance(operation, dict) else ()
            if any(name.startswith(MARK_PREFIX) for requirement in requirements for name in requirement):
                _rewrite_operation(operation, config, schemes, method.upper())
                found = True
    if not markers and not found:
        return
    for name in markers:
        del schemes[name]
    components = schema.setdefault("components", {})
    components["securitySchemes"] = schemes
    components.setdefault("schemas", {})[_ERROR_SCHEMA] = {
        "title": _ERROR_SCHEMA,
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "string"}},
        "required": ["detail"],
    }


def _csrf_scheme(config: AuthViewsConfig, cookie_scheme: str, method: str) -> dict[str, dict[str, Any]]:
    """The CSRF header a cookie token needs on ``method`` (none when it needs none), as an API key, so
    Swagger UI offers a field for it and sends it with the cookie."""
    if not config.cookie_csrf_protect or method not in config.csrf_methods:
        return {}
    refresh = cookie_scheme == "RefreshTokenCookie"
    cookie = config.refresh_csrf_cookie_key if refresh else config.access_csrf_cookie_key
    return {
        "RefreshCsrfHeader" if refresh else "AccessCsrfHeader": {
            "type": "apiKey",
            "in": "header",
            "name": config.refresh_csrf_header_name if refresh else config.access_csrf_header_name,
            "description": f"The value of the {cookie} cookie, with the token cookie on {method} requests",
        }
    }


def _rewrite_operation(
    operation: dict[str, Any], config: AuthViewsConfig, schemes: dict[str, Any], method: str
) -> None:
    security: list[dict[str, list[str]]] = []
    optional = found = False
    # Every dependency of the route must pass: the scopes of all of them apply to each token scheme.
    scopes = sorted(
        {
            scope
            for requirement in operation["security"]
            for name in requirement
            if name.startswith(MARK_PREFIX)
            for scope in name.removeprefix(MARK_PREFIX).split(":", 2)[2].split()
        }
    )
    for requirement in operation["security"]:
        mine = [name for name in requirement if name.startswith(MARK_PREFIX)]
        if not mine:
            security.append(requirement)
            continue
        found = True
        others = {name: listed for name, listed in requirement.items() if name not in mine}
        for name in mine:
            kind, where, _ = name.removeprefix(MARK_PREFIX).split(":", 2)
            locations = config.token_location if where == "configured" else where.split(",")
            concrete = _schemes(config, kind, locations)
            schemes.update(concrete)
            for scheme in concrete:
                csrf = _csrf_scheme(config, scheme, method) if scheme.endswith("TokenCookie") else {}
                schemes.update(csrf)
                entry = {**others, scheme: list(scopes), **{name: [] for name in csrf}}
                if entry not in security:  # a route's own require_scopes and its view's auth: one entry
                    security.append(entry)
            optional = optional or kind == "optional"
    if optional:
        security.append({})  # OpenAPI: an empty requirement means "no authentication" is accepted too
    operation["security"] = security
    if found and scopes:
        operation["description"] = _with_scopes(operation.get("description"), scopes)
    if found:
        responses = operation.setdefault("responses", {})
        error = {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{_ERROR_SCHEMA}"}}}
        }
        responses.setdefault("401", {"description": "Missing, invalid, expired or revoked token", **error})
        if scopes:
            responses.setdefault("403", {"description": "The token lacks a required scope", **error})
        if config.blacklist_enabled:
            responses.setdefault("503", {"description": "The revocation store cannot answer", **error})


def _with_scopes(description: str | None, scopes: list[str]) -> str:
    """The operation's description with its required scopes (Swagger UI shows only OAuth2 scopes)."""
    line = f"Required scopes: {', '.join(f'`{scope}`' for scope in scopes)}"
    return f"{description}\n\n{line}" if description else line


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
