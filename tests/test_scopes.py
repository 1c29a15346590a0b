"""Scopes: declared on a view class or a route, read from the scope claim, refused with 403."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    InsufficientScopeError,
    OptionalView,
    ProtectedView,
    RefreshView,
    require_scopes,
)

SECRET = "k" * 32


def _app(**settings: Any) -> tuple[TestClient, AuthViews]:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, **settings))
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    class Admin(ProtectedView, scopes=["admin:write"]):
        @router.get("/admin")
        def get(self) -> dict[str, Any]:
            return {"scopes": sorted(self.auth.scopes)}

        @router.delete("/admin", dependencies=[Depends(require_scopes("admin:delete"))])
        def delete(self) -> dict[str, str]:
            return {"detail": "deleted"}

    class Root(Admin, scopes=["root"]):
        @router.get("/root")
        def get(self) -> dict[str, Any]:
            return {"scopes": sorted(self.auth.scopes)}

    class Reports(ProtectedView, locations=["cookies"]):
        pass

    class SignedReports(Reports, scopes=["reports"]):
        @router.get("/reports")
        def get(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @router.get("/items", dependencies=[Depends(require_scopes("items:read", "items:list"))])
    def items() -> list[str]:
        return ["a"]

    @router.post("/items")
    def add(auth: AuthSession = Depends(require_scopes("items:write"))) -> dict[str, Any]:
        return {"user": auth.identity}

    class Tokens(RefreshView):
        @router.post("/refresh", dependencies=[Depends(require_scopes("offline", requirement="refresh"))])
        async def refresh(self) -> dict[str, str]:
            return (await self.auth.refresh())._asdict()

    @router.websocket("/ws")
    async def ws(auth: AuthSession = Depends(require_scopes("chat"))) -> None:
        await auth.accept()
        await auth.send_text(str(auth.identity))

    app.include_router(router)
    return TestClient(app), authviews


@pytest.fixture
def app() -> tuple[TestClient, AuthViews]:
    return _app()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _forged(**claims: Any) -> str:
    payload = {"sub": "alice", "iat": 0, "nbf": 0, "exp": 4_000_000_000, "jti": "j", "type": "access"}
    return jwt.encode({**payload, **claims}, SECRET, algorithm="HS256")


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


# -- views and routes ------------------------------------------------------------------------------
@pytest.mark.parametrize("granted", [["admin:write"], ["read", "admin:write", "other"]])
def test_scoped_view_token_with_scope_is_accepted(
    app: tuple[TestClient, AuthViews], granted: list[str]
) -> None:
    client, authviews = app
    response = client.get("/admin", headers=_bearer(authviews.create_access_token("a", scopes=granted)))
    assert response.status_code == 200
    assert response.json() == {"scopes": sorted(granted)}


@pytest.mark.parametrize("granted", [None, [], ["admin:read"], ["admin:writer"], ["ADMIN:WRITE"]])
def test_scoped_view_token_without_scope_is_403_insufficient_scope(
    app: tuple[TestClient, AuthViews], granted: list[str] | None
) -> None:
    client, authviews = app
    response = client.get("/admin", headers=_bearer(authviews.create_access_token("a", scopes=granted)))
    assert response.status_code == 403
    assert response.json() == {"detail": "Insufficient scope: missing admin:write"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="admin:write"'


def test_scoped_view_route_scopes_add_to_class_scopes(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    only_class = authviews.create_access_token("a", scopes=["admin:write"])
    response = client.delete("/admin", headers=_bearer(only_class))
    assert response.status_code == 403
    assert response.json() == {"detail": "Insufficient scope: missing admin:delete"}
    only_route = authviews.create_access_token("a", scopes=["admin:delete"])
    assert client.delete("/admin", headers=_bearer(only_route)).status_code == 403
    both = authviews.create_access_token("a", scopes=["admin:delete", "admin:write"])
    assert client.delete("/admin", headers=_bearer(both)).json() == {"detail": "deleted"}


def test_scoped_view_subclass_requires_parent_and_own_scopes(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    response = client.get("/root", headers=_bearer(authviews.create_access_token("a", scopes=["root"])))
    assert response.status_code == 403
    assert (
        response.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="admin:write root"'
    )
    token = authviews.create_access_token("a", scopes=["root", "admin:write"])
    assert client.get("/root", headers=_bearer(token)).status_code == 200


def test_scoped_view_subclass_keeps_parent_locations(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token("a", scopes=["reports"])
    assert client.get("/reports", headers=_bearer(token)).status_code == 401  # cookies only
    client.cookies.set("access_token_cookie", token)
    assert client.get("/reports").json() == {"user": "a"}


def test_require_scopes_route_dependency_needs_every_scope(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    one = authviews.create_access_token("a", scopes=["items:read"])
    response = client.get("/items", headers=_bearer(one))
    assert response.status_code == 403
    assert response.json() == {"detail": "Insufficient scope: missing items:list"}
    assert response.headers["WWW-Authenticate"].endswith('scope="items:read items:list"')
    both = authviews.create_access_token("a", scopes=["items:list", "items:read"])
    assert client.get("/items", headers=_bearer(both)).json() == ["a"]


def test_require_scopes_parameter_returns_the_session(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token("bob", scopes=["items:write"])
    assert client.post("/items", headers=_bearer(token)).json() == {"user": "bob"}
    assert client.post("/items", headers=_bearer(authviews.create_access_token("bob"))).status_code == 403


def test_require_scopes_without_token_is_401_not_403(app: tuple[TestClient, AuthViews]) -> None:
    client, _ = app
    response = client.get("/items")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing Authorization Header"}


def test_require_scopes_on_refresh_route_consumes_the_token_once() -> None:
    client, authviews = _app(blacklist_enabled=True, refresh_token_rotation=True)
    pair = authviews.create_token_pair("a", scopes=["offline"])
    response = client.post("/refresh", headers=_bearer(pair.refresh_token))
    assert response.status_code == 200, response.text  # not refused as a reused token
    new = response.json()
    assert _claims(new["access_token"])["scope"] == "offline"  # scopes pass on through a refresh
    assert client.post("/refresh", headers=_bearer(new["refresh_token"])).status_code == 200


def test_require_scopes_websocket_without_scope_closes_1008(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token("a", scopes=["other"])
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(f"/ws?token={token}") as ws:
        ws.receive_text()
    assert (info.value.code, info.value.reason) == (1008, "Insufficient scope: missing chat")
    with client.websocket_connect(f"/ws?token={authviews.create_access_token('a', scopes=['chat'])}") as ws:
        assert ws.receive_text() == "a"


# -- the claim -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["admin:write", "read  admin:write\tx", ["admin:write"], ["x", "admin:write"]], ids=repr
)
def test_scope_claim_string_or_list_is_read(app: tuple[TestClient, AuthViews], value: Any) -> None:
    client, _ = app
    assert client.get("/admin", headers=_bearer(_forged(scope=value))).status_code == 200


@pytest.mark.parametrize(
    "value",
    [42, 1.5, True, ["admin:write", 1], [["admin:write"]], [None], {"admin:write": True}],
    ids=["int", "float", "bool", "mixed-list", "nested-list", "null-in-list", "object"],
)
def test_scope_claim_of_another_shape_is_401_with_clear_detail(
    app: tuple[TestClient, AuthViews], value: Any
) -> None:
    client, _ = app
    response = client.get("/admin", headers=_bearer(_forged(scope=value)))
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid claim: scope must be a space-delimited string or a list of strings"
    }


def test_scope_claim_null_grants_nothing(app: tuple[TestClient, AuthViews]) -> None:
    client, _ = app
    assert client.get("/admin", headers=_bearer(_forged(scope=None))).status_code == 403


@pytest.mark.parametrize("claim", ["scp", "scopes", "permissions"])
def test_scope_claim_setting_reads_and_writes_a_list_claim(claim: str) -> None:
    client, authviews = _app(scope_claim=claim)
    token = authviews.create_access_token("a", scopes=["admin:write"])
    assert _claims(token)[claim] == ["admin:write"] and "scope" not in _claims(token)
    assert client.get("/admin", headers=_bearer(token)).status_code == 200
    assert client.get("/admin", headers=_bearer(_forged(scope="admin:write"))).status_code == 403
    assert client.get("/admin", headers=_bearer(_forged(**{claim: "admin:write"}))).status_code == 200


def test_scope_claim_setting_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("AUTHJWT_SCOPE_CLAIM", "scp")
    assert AuthViewsConfig.from_env().scope_claim == "scp"


@pytest.mark.parametrize("claim", ["sub", "type", "fresh", "", "  "])
def test_scope_claim_setting_reserved_or_empty_raises_configuration_error(claim: str) -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_SCOPE_CLAIM"):
        AuthViewsConfig(secret_key=SECRET, scope_claim=claim)


# -- creating tokens with scopes -------------------------------------------------------------------
def test_create_access_token_scopes_are_space_delimited_without_duplicates(
    app: tuple[TestClient, AuthViews],
) -> None:
    _, authviews = app
    token = authviews.create_access_token("a", scopes=("b", "a", "b"))
    assert _claims(token)["scope"] == "b a"


def test_create_token_pair_scopes_on_both_tokens(app: tuple[TestClient, AuthViews]) -> None:
    _, authviews = app
    pair = authviews.create_token_pair("a", scopes=["x"])
    assert _claims(pair.access_token)["scope"] == _claims(pair.refresh_token)["scope"] == "x"


def test_create_access_token_scopes_string_raises_type_error(app: tuple[TestClient, AuthViews]) -> None:
    _, authviews = app
    with pytest.raises(TypeError, match=r"not one string: write \['admin'\]"):
        authviews.create_access_token("a", scopes="admin")


@pytest.mark.parametrize("scope", ["", "a b", 'a"b', "a\\b", "é", "a\n"], ids=repr)
def test_create_access_token_invalid_scope_raises_value_error(
    app: tuple[TestClient, AuthViews], scope: str
) -> None:
    _, authviews = app
    with pytest.raises(ValueError, match="is not a scope"):
        authviews.create_access_token("a", scopes=[scope])


def test_create_access_token_non_string_scope_raises_type_error(app: tuple[TestClient, AuthViews]) -> None:
    _, authviews = app
    with pytest.raises(TypeError, match="scopes must be strings"):
        authviews.create_access_token("a", scopes=[1])  # type: ignore[list-item]


def test_create_access_token_scopes_and_scope_claim_raises_value_error(
    app: tuple[TestClient, AuthViews],
) -> None:
    _, authviews = app
    with pytest.raises(ValueError, match="give only one"):
        authviews.create_access_token("a", scopes=["x"], claims={"scope": "y"})


def test_create_access_token_scope_claim_without_scopes_is_kept(app: tuple[TestClient, AuthViews]) -> None:
    _, authviews = app
    assert _claims(authviews.create_access_token("a", claims={"scope": "y z"}))["scope"] == "y z"


# -- declaring -------------------------------------------------------------------------------------
def test_optional_view_with_scopes_raises_value_error() -> None:
    with pytest.raises(ValueError, match="optional route accepts none"):

        class Anyone(OptionalView, scopes=["x"]):
            pass


def test_require_scopes_without_scope_raises_value_error() -> None:
    with pytest.raises(ValueError, match="at least one scope"):
        require_scopes()


@pytest.mark.parametrize("scopes", ["admin", ["a b"]], ids=repr)
def test_view_invalid_scopes_raise_at_class_creation(scopes: Any) -> None:
    with pytest.raises((TypeError, ValueError)):

        class Broken(ProtectedView, scopes=scopes):
            pass


def test_insufficient_scope_error_without_scopes_has_bare_challenge() -> None:
    error = InsufficientScopeError()
    assert (error.status_code, error.detail, error.code) == (403, "Insufficient scope", "insufficient_scope")
    assert error.headers == {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


# -- OpenAPI ---------------------------------------------------------------------------------------
def test_openapi_lists_required_scopes_on_each_operation(app: tuple[TestClient, AuthViews]) -> None:
    client, _ = app
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/admin"]["get"]["security"] == [{"BearerToken": ["admin:write"]}]
    assert paths["/admin"]["delete"]["security"] == [{"BearerToken": ["admin:delete", "admin:write"]}]
    assert paths["/root"]["get"]["security"] == [{"BearerToken": ["admin:write", "root"]}]
    assert paths["/items"]["get"]["security"] == [{"BearerToken": ["items:list", "items:read"]}]
    assert paths["/items"]["post"]["security"] == [{"BearerToken": ["items:write"]}]
    assert paths["/reports"]["get"]["security"] == [{"AccessTokenCookie": ["reports"]}]
    assert "403" in paths["/admin"]["get"]["responses"]
    assert "Required scopes: `admin:write`" in paths["/admin"]["get"]["description"]


def test_openapi_unscoped_route_has_empty_scopes_and_no_403(app: tuple[TestClient, AuthViews]) -> None:
    client, _ = app
    operation = client.get("/openapi.json").json()["paths"]["/refresh"]["post"]
    assert operation["security"] == [{"BearerToken": ["offline"]}]
    schema = client.get("/openapi.json").json()
    assert not [
        name for name in schema["components"]["securitySchemes"] if name.startswith("fastapi_jwt_views:")
    ]
