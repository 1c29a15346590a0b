"""Time-limited freshness: ``fresh=timedelta(...)`` makes a token fresh until its ``iat`` plus that."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, FreshView, ProtectedView
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.auth_jwt import AuthJWT

SECRET = "f" * 32
START = 1_900_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> Iterator[None]:
    PROCESS.reset()
    yield
    PROCESS.reset()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def authviews(clock: Clock) -> AuthViews:
    return AuthViews(AuthViewsConfig(secret_key=SECRET), clock=clock)


@pytest.fixture
def client(authviews: AuthViews) -> TestClient:
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    class Sensitive(FreshView):
        @router.post("/fresh")
        def change(self) -> dict[str, Any]:
            return {"fresh": self.auth.fresh}

    class Account(ProtectedView):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            return {"fresh": self.auth.fresh}

    @router.post("/compat-fresh")
    def compat_fresh(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.fresh_jwt_required()
        return {"subject": Authorize.get_jwt_subject()}

    app.include_router(router)
    return TestClient(app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _forged(**claims: Any) -> str:
    now = int(START)
    payload = {"sub": "alice", "iat": now, "nbf": now, "exp": now + 900, "jti": "j", "type": "access"}
    return jwt.encode({**payload, **claims}, SECRET, algorithm="HS256")


@pytest.mark.parametrize("fresh", [timedelta(minutes=5), timedelta(seconds=300.7)])
def test_create_access_token_fresh_duration_stores_the_deadline(
    authviews: AuthViews, fresh: timedelta
) -> None:
    claims = _claims(authviews.create_access_token("alice", fresh=fresh))
    assert claims["fresh"] == claims["iat"] + 300 == int(START) + 300


@pytest.mark.parametrize("fresh", [True, False])
def test_create_access_token_fresh_boolean_is_unchanged(authviews: AuthViews, fresh: bool) -> None:
    assert _claims(authviews.create_access_token("alice", fresh=fresh))["fresh"] is fresh


@pytest.mark.parametrize("fresh", [timedelta(0), timedelta(seconds=-5), timedelta(milliseconds=500)])
def test_create_access_token_fresh_duration_under_a_second_raises_value_error(
    authviews: AuthViews, fresh: timedelta
) -> None:
    with pytest.raises(ValueError, match="at least one second"):
        authviews.create_access_token("alice", fresh=fresh)


@pytest.mark.parametrize("fresh", [300, 1.5, "300"], ids=["int", "float", "string"])
def test_create_access_token_fresh_number_raises_type_error(authviews: AuthViews, fresh: Any) -> None:
    # A bare number is refused: fresh=1 is far likelier to mean True than "fresh for one second".
    with pytest.raises(TypeError, match="fresh must be a boolean or a timedelta"):
        authviews.create_access_token("alice", fresh=fresh)


def test_create_token_pair_fresh_duration_applies_to_the_access_token(authviews: AuthViews) -> None:
    pair = authviews.create_token_pair("alice", fresh=timedelta(minutes=1))
    assert _claims(pair.access_token)["fresh"] == int(START) + 60
    assert "fresh" not in _claims(pair.refresh_token)


@pytest.mark.parametrize("path", ["/fresh", "/compat-fresh"])
def test_fresh_view_duration_token_before_deadline_is_accepted(
    client: TestClient, authviews: AuthViews, clock: Clock, path: str
) -> None:
    token = authviews.create_access_token("alice", fresh=timedelta(minutes=5))
    clock.now = START + 299
    response = client.post(path, headers=_bearer(token))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/fresh", "/compat-fresh"])
@pytest.mark.parametrize("elapsed", [300, 301, 899])
def test_fresh_view_duration_token_after_deadline_is_refused(
    client: TestClient, authviews: AuthViews, clock: Clock, path: str, elapsed: int
) -> None:
    token = authviews.create_access_token("alice", fresh=timedelta(minutes=5))
    clock.now = START + elapsed
    response = client.post(path, headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Fresh token required"}


def test_protected_view_duration_token_reports_freshness_then_staleness(
    client: TestClient, authviews: AuthViews, clock: Clock
) -> None:
    token = authviews.create_access_token("alice", fresh=timedelta(minutes=5))
    assert client.get("/me", headers=_bearer(token)).json() == {"fresh": True}
    clock.now = START + 300
    response = client.get("/me", headers=_bearer(token))
    assert response.status_code == 200  # still a valid access token, only no longer fresh
    assert response.json() == {"fresh": False}


def test_fresh_view_duration_self_auth_fresh_is_true(
    client: TestClient, authviews: AuthViews, clock: Clock
) -> None:
    token = authviews.create_access_token("alice", fresh=timedelta(minutes=5))
    assert client.post("/fresh", headers=_bearer(token)).json() == {"fresh": True}


@pytest.mark.parametrize(
    "fresh",
    ["9999999999", [True], {"until": 1}, None, 0, START - 1],
    ids=["string", "list", "object", "null", "zero", "past"],
)
@pytest.mark.parametrize("path", ["/fresh", "/compat-fresh"])
def test_fresh_view_odd_fresh_claim_is_refused_as_not_fresh(
    client: TestClient, fresh: Any, path: str
) -> None:
    response = client.post(path, headers=_bearer(_forged(fresh=fresh)))
    assert response.status_code == 401
    assert response.json() == {"detail": "Fresh token required"}


def test_protected_view_odd_fresh_claim_is_accepted_as_not_fresh(client: TestClient) -> None:
    response = client.get("/me", headers=_bearer(_forged(fresh="yes")))
    assert response.status_code == 200
    assert response.json() == {"fresh": False}
