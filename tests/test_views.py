"""The four base views, ``self.auth``, the function dependencies, and binding to apps."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    FreshView,
    OptionalView,
    ProtectedView,
    RefreshView,
    cbv,
    require_access,
)

SECRET = "s" * 32


def make_app(authviews: AuthViews | None) -> FastAPI:
    app = FastAPI()
    if authviews is not None:
        authviews.install(app)
    router = APIRouter()

    @cbv(router)
    class Protected(ProtectedView):
        @router.get("/protected")
        async def get(self) -> dict[str, Any]:
            return {
                "identity": self.auth.identity,
                "jti": self.auth.jti,
                "type": self.auth.token_type,
                "fresh": self.auth.fresh,
                "claims": self.auth.claims,
                "alg": self.auth.header["alg"],
                "expires_at": self.auth.expires_at.isoformat() if self.auth.expires_at else None,
            }

        @router.get("/protected-sync")
        def get_sync(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

        @router.post("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "logged out"}

        @router.post("/logout-sync")
        def logout_sync(self) -> dict[str, str]:
            self.auth.revoke()
            return {"detail": "logged out"}

    @cbv(router)
    class Fresh(FreshView):
        @router.get("/fresh")
        async def get(self) -> dict[str, Any]:
            return {"identity": self.auth.identity, "fresh": self.auth.fresh}

    @cbv(router)
    class Refresh(RefreshView):
        @router.post("/refresh")
        def refresh(self) -> dict[str, str]:
            identity = self.auth.identity
            assert identity is not None
            return {"access_token": self.auth.create_access_token(identity)}

    @cbv(router)
    class Optional(OptionalView):
        @router.get("/optional")
        async def get(self) -> dict[str, Any]:
            return {"identity": self.auth.identity, "claims": self.auth.claims}

        @router.post("/login/{user}")
        async def login(self, user: str) -> dict[str, str]:
            access, refresh = self.auth.create_token_pair(user, fresh=True)
            return {"access_token": access, "refresh_token": refresh}

    @router.get("/function")
    async def function_route(auth: AuthSession = Depends(require_access)) -> dict[str, Any]:
        return {"identity": auth.identity}

    app.include_router(router)
    return app


@pytest.fixture
def authviews() -> AuthViews:
    return AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True))


@pytest.fixture
def client(authviews: AuthViews) -> TestClient:
    return TestClient(make_app(authviews), raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# (path, method, token kind) -> expected status and detail
CASES = [
    ("/protected", "get", "access", 200, None),
    ("/protected", "get", "fresh", 200, None),
    ("/protected", "get", "refresh", 401, "Only access tokens are allowed"),
    ("/protected", "get", None, 401, "Missing Authorization Header"),
    ("/protected-sync", "get", "access", 200, None),
    ("/fresh", "get", "fresh", 200, None),
    ("/fresh", "get", "access", 401, "Fresh token required"),
    ("/fresh", "get", "refresh", 401, "Only access tokens are allowed"),
    ("/fresh", "get", None, 401, "Missing Authorization Header"),
    ("/refresh", "post", "refresh", 200, None),
    ("/refresh", "post", "access", 401, "Only refresh tokens are allowed"),
    ("/refresh", "post", None, 401, "Missing Authorization Header"),
    ("/optional", "get", "access", 200, None),
    ("/optional", "get", None, 200, None),
    ("/optional", "get", "refresh", 401, "Only access tokens are allowed"),
    ("/function", "get", "access", 200, None),
    ("/function", "get", "refresh", 401, "Only access tokens are allowed"),
    ("/function", "get", None, 401, "Missing Authorization Header"),
]


@pytest.mark.parametrize(("path", "method", "kind", "status", "detail"), CASES)
def test_view_token_kind_gives_expected_response(
    client: TestClient,
    authviews: AuthViews,
    path: str,
    method: str,
    kind: str | None,
    status: int,
    detail: str | None,
) -> None:
    tokens = {
        "access": authviews.create_access_token("alice"),
        "fresh": authviews.create_access_token("alice", fresh=True),
        "refresh": authviews.create_refresh_token("alice"),
    }
    headers = bearer(tokens[kind]) if kind else {}
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    if detail is not None:
        assert response.json() == {"detail": detail}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_protected_view_exposes_token_attributes(client: TestClient, authviews: AuthViews) -> None:
    token = authviews.create_access_token("alice", fresh=True, claims={"role": "admin"})
    body = client.get("/protected", headers=bearer(token)).json()
    assert body["identity"] == "alice"
    assert body["type"] == "access"
    assert body["fresh"] is True
    assert body["alg"] == "HS256"
    assert body["claims"]["role"] == "admin"
    assert body["jti"] == body["claims"]["jti"] == authviews.codec.decode(token).claims["jti"]
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires == datetime.fromtimestamp(body["claims"]["exp"], tz=timezone.utc)


def test_protected_view_integer_identity_round_trips(client: TestClient, authviews: AuthViews) -> None:
    token = authviews.create_access_token(42)
    assert client.get("/protected", headers=bearer(token)).json()["identity"] == 42


def test_optional_view_without_token_is_anonymous_and_can_issue_tokens(client: TestClient) -> None:
    assert client.get("/optional").json() == {"identity": None, "claims": {}}
    tokens = client.post("/login/bob").json()
    assert client.get("/fresh", headers=bearer(tokens["access_token"])).json() == {
        "identity": "bob",
        "fresh": True,
    }
    refreshed = client.post("/refresh", headers=bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/fresh", headers=bearer(refreshed)).status_code == 401
    assert client.get("/protected", headers=bearer(refreshed)).json()["identity"] == "bob"


def test_optional_view_with_bad_token_is_refused(client: TestClient) -> None:
    response = client.get("/optional", headers=bearer("not.a.token"))
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/logout", "/logout-sync"])
def test_revoke_current_token_refuses_it_afterwards(
    client: TestClient, authviews: AuthViews, path: str
) -> None:
    token = authviews.create_access_token("alice")
    other = authviews.create_access_token("alice")
    assert client.post(path, headers=bearer(token)).status_code == 200
    response = client.get("/protected", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})
    assert client.get("/protected", headers=bearer(other)).status_code == 200


def test_two_apps_with_different_secrets_work_side_by_side() -> None:
    first = AuthViews(AuthViewsConfig(secret_key="a" * 32))
    second = AuthViews(AuthViewsConfig(secret_key="b" * 32, header_name="X-Token", header_type=""))
    first_client, second_client = TestClient(make_app(first)), TestClient(make_app(second))
    first_token, second_token = first.create_access_token("one"), second.create_access_token("two")

    assert first_client.get("/protected", headers=bearer(first_token)).json()["identity"] == "one"
    assert second_client.get("/protected", headers={"X-Token": second_token}).json()["identity"] == "two"
    crossed = second_client.get("/protected", headers={"X-Token": first_token})
    assert (crossed.status_code, crossed.json()) == (401, {"detail": "Signature verification failed"})
    missing = second_client.get("/protected", headers=bearer(second_token))
    assert missing.json() == {"detail": "Missing X-Token Header"}


NOT_INSTALLED = (
    "No AuthViews is installed on this application: call AuthViews(AuthViewsConfig.from_env()).install(app)"
)


def test_app_without_authviews_fails_at_startup_naming_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", "e" * 32)  # a valid environment is not a fallback
    with pytest.raises(ConfigurationError) as raised, TestClient(make_app(None)):
        pass
    assert str(raised.value) == NOT_INSTALLED


@pytest.mark.parametrize("path", ["/protected", "/optional", "/function"])
def test_app_without_authviews_without_lifespan_answers_500_naming_install(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", "e" * 32)
    token = AuthViews(AuthViewsConfig(secret_key="e" * 32)).create_access_token("env-user")
    client = TestClient(make_app(None))  # no `with`: the lifespan check does not run
    response = client.get(path, headers=bearer(token))
    assert (response.status_code, response.json()) == (500, {"detail": NOT_INSTALLED})
    assert NOT_INSTALLED in caplog.text


def test_authviews_of_app_without_one_raises_naming_install() -> None:
    with pytest.raises(ConfigurationError) as raised:
        AuthViews.of(FastAPI())
    assert str(raised.value) == NOT_INSTALLED
    assert AuthViews.find(FastAPI()) is None


def test_installed_app_does_not_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", "short")  # would be refused if it were read
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with TestClient(make_app(authviews)) as client:
        token = authviews.create_access_token("alice")
        assert client.get("/protected", headers=bearer(token)).status_code == 200


def test_revocation_callback_without_blacklist_enabled_fails_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_BLACKLIST_ENABLED"):
        AuthViews(AuthViewsConfig(secret_key=SECRET), is_revoked=lambda claims: False)


def test_view_subclass_keeps_its_own_dependencies(authviews: AuthViews) -> None:
    app = FastAPI()
    authviews.install(app)
    router = APIRouter(prefix="/items")

    def database() -> str:
        return "db"

    @cbv(router)
    class Items(ProtectedView):
        db: str = Depends(database)
        label = "items"

        @router.get("")
        async def list_items(self, limit: int = 10) -> dict[str, Any]:
            return {"db": self.db, "label": self.label, "limit": limit, "user": self.auth.identity}

    app.include_router(router)
    token = authviews.create_access_token("alice")
    response = TestClient(app).get("/items?limit=3", headers=bearer(token))
    assert response.json() == {"db": "db", "label": "items", "limit": 3, "user": "alice"}
