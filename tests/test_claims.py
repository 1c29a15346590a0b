"""Typed claims: ``class Account(ProtectedView[MyClaims])`` validates every token's claims with the model."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from starlette.websockets import WebSocketDisconnect

from fastapi_jwt_views import AuthViews, AuthViewsConfig, OptionalView, ProtectedView, require_scopes

SECRET = "c" * 32


class Claims(BaseModel):
    model_config = ConfigDict(frozen=True)
    calls: ClassVar[int] = 0

    role: Literal["admin", "user"]
    tenant: int
    sub: str

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: int) -> int:
        Claims.calls += 1
        if value == 13:
            raise KeyError("unlucky")  # not a validation error: still a 401
        if value == 14:
            raise ZeroDivisionError
        if value == 15:
            raise RecursionError
        if value < 0:
            raise ValueError("tenant must not be negative")
        return value


class Custom(BaseModel):
    """What a token is created with: custom claims only."""

    role: str
    tenant: int


def _app() -> tuple[TestClient, AuthViews]:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    class Account(ProtectedView[Claims]):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            claims = self.auth.typed_claims
            return {"type": type(claims).__name__, "role": claims.role, "tenant": claims.tenant}

        @router.get("/scoped", dependencies=[Depends(require_scopes("x"))])
        def scoped(self) -> int:
            return self.auth.typed_claims.tenant

    class Team(Account, scopes=["team"]):
        @router.get("/team")
        def team(self) -> str:
            return self.auth.typed_claims.role

    class Maybe(OptionalView[Claims]):
        @router.get("/maybe")
        def maybe(self) -> Any:
            return self.auth.typed_claims.role if self.auth.identity is not None else None

    class Untyped(ProtectedView):
        @router.get("/untyped")
        def untyped(self) -> Any:
            return self.auth.typed_claims

    class Socket(ProtectedView[Claims]):
        @router.websocket("/ws")
        async def ws(self) -> None:
            await self.auth.accept()
            await self.auth.send_text(self.auth.typed_claims.role)

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False), authviews


@pytest.fixture
def app() -> tuple[TestClient, AuthViews]:
    return _app()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _forged(**claims: Any) -> str:
    payload = {"sub": "alice", "iat": 0, "nbf": 0, "exp": 4_000_000_000, "jti": "j", "type": "access"}
    return jwt.encode({**payload, **claims}, SECRET, algorithm="HS256")


def test_typed_view_valid_claims_are_the_model_instance(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token("alice", claims=Custom(role="admin", tenant=7))
    assert client.get("/me", headers=_bearer(token)).json() == {
        "type": "Claims",
        "role": "admin",
        "tenant": 7,
    }


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"role": "root", "tenant": 1}, "Invalid claims: role: Input should be 'admin' or 'user'"),
        ({"tenant": 1}, "Invalid claims: role: Field required"),
        (
            {"role": "user", "tenant": "many"},
            "Invalid claims: tenant: Input should be a valid integer, unable to parse string as an integer",
        ),
        ({"role": "user", "tenant": -1}, "Invalid claims: tenant: Value error, tenant must not be negative"),
        ({"role": "user", "tenant": 13}, "Invalid claims"),
        ({"role": "user", "tenant": 14}, "Invalid claims"),
        ({"role": "user", "tenant": 15}, "Invalid claims"),
        ({"role": ["admin"] * 100, "tenant": 1}, "Invalid claims: role: Input should be 'admin' or 'user'"),
    ],
    ids=["literal", "missing", "type", "value-error", "key-error", "zero-division", "recursion", "large"],
)
def test_typed_view_claims_not_fitting_are_401_with_short_reason(
    app: tuple[TestClient, AuthViews], claims: dict[str, Any], detail: str
) -> None:
    client, _ = app
    response = client.get("/me", headers=_bearer(_forged(**claims)))
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_typed_view_integer_subject_not_fitting_model_is_401(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token(42, claims={"role": "user", "tenant": 1})
    response = client.get("/me", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Invalid claims: sub:")


def test_typed_view_validates_once_per_request(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token("alice", claims={"role": "user", "tenant": 3}, scopes=["x"])
    before = Claims.calls
    assert client.get("/scoped", headers=_bearer(token)).json() == 3
    assert Claims.calls == before + 1


def test_typed_view_subclass_keeps_model_and_adds_scopes(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    token = authviews.create_access_token("alice", claims={"role": "user", "tenant": 3}, scopes=["team"])
    assert client.get("/team", headers=_bearer(token)).json() == "user"
    assert client.get("/team", headers=_bearer(_forged(scope="team", role="x", tenant=1))).status_code == 401


def test_typed_optional_view_without_token_skips_validation(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    assert client.get("/maybe").json() is None
    token = authviews.create_access_token("alice", claims={"role": "admin", "tenant": 3})
    assert client.get("/maybe", headers=_bearer(token)).json() == "admin"
    assert client.get("/maybe", headers=_bearer(_forged(role="x", tenant=3))).status_code == 401


def test_untyped_view_typed_claims_is_500_naming_the_fix(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    response = client.get("/untyped", headers=_bearer(authviews.create_access_token("alice")))
    assert response.status_code == 500
    assert "class Account(ProtectedView[MyClaims])" in response.json()["detail"]


def test_typed_view_websocket_claims_not_fitting_close_1008(app: tuple[TestClient, AuthViews]) -> None:
    client, authviews = app
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(f"/ws?token={_forged(role='x', tenant=1)}") as ws,
    ):
        ws.receive_text()
    assert info.value.code == 1008 and info.value.reason.startswith("Invalid claims: role")
    token = authviews.create_access_token("alice", claims={"role": "admin", "tenant": 1})
    with client.websocket_connect(f"/ws?token={token}") as ws:
        assert ws.receive_text() == "admin"


def test_create_access_token_with_model_writes_its_fields(app: tuple[TestClient, AuthViews]) -> None:
    _, authviews = app
    token = authviews.create_access_token("alice", claims=Custom(role="user", tenant=2))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["role"], claims["tenant"]) == ("user", 2)


def test_create_claims_model_not_fitting_raises_value_error_when_built() -> None:
    with pytest.raises(ValueError, match="tenant"):  # pydantic's ValidationError is a ValueError
        Custom(role="user", tenant="many")  # type: ignore[arg-type]
    assert issubclass(ValidationError, ValueError)


def test_create_access_token_with_model_holding_reserved_claim_raises_value_error(
    app: tuple[TestClient, AuthViews],
) -> None:
    _, authviews = app
    with pytest.raises(ValueError, match="Reserved claims cannot be overridden: sub"):
        authviews.create_access_token("alice", claims=Claims(role="user", tenant=1, sub="bob"))


def test_view_type_parameter_not_a_model_raises_type_error() -> None:
    with pytest.raises(TypeError, match="pydantic BaseModel subclass"):

        class Broken(ProtectedView[dict]):  # type: ignore[type-var]
            pass
