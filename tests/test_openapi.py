"""The OpenAPI document: security schemes follow each app's configuration; requests built from them work."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    OptionalView,
    ProtectedView,
    RefreshView,
    cbv,
    require,
    require_access,
)

SECRET = "o" * 32


def _app(**settings: Any) -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, **settings)).install(app)
    router = APIRouter()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @cbv(router)
    class Home(OptionalView):
        @router.get("/home")
        def home(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @cbv(router)
    class Tokens(RefreshView, locations=["cookies"]):
        @router.post("/refresh")
        def refresh(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @router.get("/open")
    def open_route() -> dict[str, str]:
        return {"open": "yes"}

    @router.get("/function")
    def function_route(auth: AuthSession = Depends(require_access)) -> dict[str, Any]:
        return {"user": auth.identity}

    @router.get("/query-only")
    def query_only(auth: AuthSession = Depends(require("access", locations=["query"]))) -> dict[str, Any]:
        return {"user": auth.identity}

    app.include_router(router)
    return app, authviews


def _schema(app: FastAPI) -> dict[str, Any]:
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _security(schema: dict[str, Any], path: str, method: str = "get") -> Any:
    return schema["paths"][path][method].get("security")


def test_openapi_default_config_declares_http_bearer() -> None:
    schema = _schema(_app()[0])
    assert _security(schema, "/me") == [{"BearerToken": []}]
    assert _security(schema, "/function") == [{"BearerToken": []}]
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_openapi_open_route_declares_no_security() -> None:
    schema = _schema(_app()[0])
    assert _security(schema, "/open") is None
    assert "401" not in schema["paths"]["/open"]["get"]["responses"]


def test_openapi_optional_view_security_is_optional() -> None:
    assert _security(_schema(_app()[0]), "/home") == [{"BearerToken": []}, {}]


def test_openapi_placeholder_schemes_never_survive() -> None:
    schema = _schema(_app(token_location=("headers", "cookies", "query"))[0])
    assert not [name for name in schema["components"]["securitySchemes"] if ":" in name]
    for operations in schema["paths"].values():
        for operation in operations.values():
            for requirement in operation.get("security", []):
                assert not [name for name in requirement if ":" in name]


def test_openapi_locations_listed_in_configured_order_as_alternatives() -> None:
    schema = _schema(_app(token_location=("cookies", "headers", "query"))[0])
    assert _security(schema, "/me") == [{"AccessTokenCookie": []}, {"BearerToken": []}, {"QueryToken": []}]
    schemes = schema["components"]["securitySchemes"]
    assert schemes["AccessTokenCookie"]["in"] == "cookie"
    assert schemes["AccessTokenCookie"]["name"] == "access_token_cookie"
    assert schemes["QueryToken"] == {"type": "apiKey", "in": "query", "name": "token"}


def test_openapi_view_locations_override_config() -> None:
    schema = _schema(_app()[0])
    assert _security(schema, "/refresh", "post") == [{"RefreshTokenCookie": [], "RefreshCsrfHeader": []}]
    assert schema["components"]["securitySchemes"]["RefreshTokenCookie"]["name"] == "refresh_token_cookie"
    assert _security(schema, "/query-only") == [{"QueryToken": []}]


def test_openapi_custom_header_type_is_an_api_key_header() -> None:
    schema = _schema(_app(header_name="X-Auth", header_type="JWT")[0])
    assert _security(schema, "/me") == [{"HeaderToken": []}]
    assert schema["components"]["securitySchemes"]["HeaderToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Auth",
        "description": "'JWT <JWT>'",
    }


def test_openapi_protected_routes_document_401_with_detail_schema() -> None:
    schema = _schema(_app()[0])
    responses = schema["paths"]["/me"]["get"]["responses"]
    assert responses["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AuthError"
    }
    assert schema["components"]["schemas"]["AuthError"]["properties"]["detail"]["type"] == "string"
    assert "503" not in responses


def test_openapi_revocation_enabled_documents_503() -> None:
    schema = _schema(_app(blacklist_enabled=True)[0])
    assert "503" in schema["paths"]["/me"]["get"]["responses"]


def test_openapi_two_apps_in_one_process_keep_their_own_schemes() -> None:
    headers_app, _ = _app()
    query_app, _ = _app(token_location=("query",))
    assert _security(_schema(headers_app), "/me") == [{"BearerToken": []}]
    assert _security(_schema(query_app), "/me") == [{"QueryToken": []}]


def test_openapi_document_is_stable_across_calls() -> None:
    app, _ = _app(token_location=("headers", "cookies"))
    assert app.openapi() == app.openapi() == _schema(app)


def _request_from_scheme(scheme: dict[str, Any], token: str) -> dict[str, Any]:
    """Build request arguments only from what the document declares, as Swagger UI would."""
    if scheme["type"] == "http":
        assert scheme["scheme"] == "bearer"
        return {"headers": {"Authorization": f"Bearer {token}"}}
    where = {"header": "headers", "cookie": "cookies", "query": "params"}[scheme["in"]]
    return {where: {scheme["name"]: token}}


@pytest.mark.parametrize("location", ["headers", "cookies", "query"])
def test_openapi_request_built_from_declared_scheme_succeeds(location: str) -> None:
    app, authviews = _app(token_location=(location,))
    schema = _schema(app)
    (requirement,) = _security(schema, "/me")
    (name,) = requirement
    kwargs = _request_from_scheme(
        schema["components"]["securitySchemes"][name], authviews.create_access_token("ann")
    )
    client = TestClient(app, cookies=kwargs.pop("cookies", None))
    response = client.get("/me", **kwargs)
    assert response.status_code == 200, response.json()
    assert response.json() == {"user": "ann"}


def test_openapi_request_without_declared_scheme_is_refused() -> None:
    app, _ = _app(token_location=("query",))
    response = TestClient(app).get("/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing query parameter token"}


# -- the CSRF header of cookie tokens ----------------------------------------------------------------------
def _cookie_app(**settings: Any) -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    config = AuthViewsConfig(secret_key=SECRET, token_location=("cookies",), **settings)
    authviews = AuthViews(config).install(app)

    class Account(ProtectedView):
        @app.get("/me")
        def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @app.post("/rename")
        def rename(self) -> dict[str, Any]:
            return {"renamed": self.auth.identity}

    return app, authviews


def test_openapi_cookie_csrf_header_declared_on_csrf_methods_only() -> None:
    schema = _schema(_cookie_app()[0])
    assert _security(schema, "/rename", "post") == [{"AccessTokenCookie": [], "AccessCsrfHeader": []}]
    assert _security(schema, "/me") == [{"AccessTokenCookie": []}]
    assert schema["components"]["securitySchemes"]["AccessCsrfHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The value of the csrf_access_token cookie, with the token cookie on POST requests",
    }


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"cookie_csrf_protect": False}, [{"AccessTokenCookie": []}]),
        ({"csrf_methods": ["PUT"]}, [{"AccessTokenCookie": []}]),
        ({"access_csrf_header_name": "X-Other"}, [{"AccessTokenCookie": [], "AccessCsrfHeader": []}]),
    ],
)
def test_openapi_cookie_csrf_header_follows_configuration(
    settings: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    schema = _schema(_cookie_app(**settings)[0])
    assert _security(schema, "/rename", "post") == expected
    schemes = schema["components"]["securitySchemes"]
    if "AccessCsrfHeader" in expected[0]:
        assert schemes["AccessCsrfHeader"]["name"] == settings["access_csrf_header_name"]
    else:
        assert "AccessCsrfHeader" not in schemes


def test_openapi_post_built_from_declared_cookie_and_csrf_schemes_succeeds() -> None:
    """What Swagger UI sends once both fields of the Authorize dialog are filled in."""
    app, authviews = _cookie_app()
    schema = _schema(app)
    token = authviews.create_access_token("ann")
    csrf = authviews.codec.decode(token).claims["csrf"]
    schemes = schema["components"]["securitySchemes"]
    (requirement,) = _security(schema, "/rename", "post")
    cookie, header = (schemes[name] for name in requirement)
    client = TestClient(app, cookies={cookie["name"]: token})
    assert client.post("/rename").json() == {"detail": "Missing CSRF Token"}
    response = client.post("/rename", headers={header["name"]: csrf})
    assert response.json() == {"renamed": "ann"}
