"""One authentication per application tree: ``install(app)`` binds an AuthViews to the app, its included
routers and every app mounted under it (the nearest enclosing installed app wins); nothing falls back to
the environment or to process-wide settings."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from fastapi_jwt_views import AuthJWT, AuthViews, AuthViewsConfig, ConfigurationError, ProtectedView, cbv

PARENT_SECRET = "p" * 32
CHILD_SECRET = "c" * 32
ENV_SECRET = "e" * 32
NOT_INSTALLED = (
    "No AuthViews is installed on this application: call AuthViews(AuthViewsConfig.from_env()).install(app)"
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def views_app() -> FastAPI:
    """An app (never installed itself) serving ``/me`` and ``/ws`` from a view, through a router included
    in a router included in the app."""
    app = FastAPI()
    inner, outer = APIRouter(), APIRouter(prefix="/api")

    @cbv(inner)
    class Me(ProtectedView):
        @inner.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @inner.websocket("/ws")
        async def ws(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")

    outer.include_router(inner)
    app.include_router(outer)
    return app


def parent_app(authviews: AuthViews, mounts: dict[str, Any]) -> FastAPI:
    """An installed app with ``/logout`` (a view) and the given mounts."""
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @cbv(router)
    class Account(ProtectedView):
        @router.post("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "logged out"}

    app.include_router(router)
    for path, sub in mounts.items():
        app.mount(path, sub)
    return app


@pytest.fixture
def parent() -> AuthViews:
    return AuthViews(AuthViewsConfig(secret_key=PARENT_SECRET, blacklist_enabled=True))


@pytest.mark.parametrize("nested", [False, True], ids=["mount", "nested-mounts"])
def test_install_mounted_app_uses_parent_authviews_and_its_revocations(
    parent: AuthViews, monkeypatch: pytest.MonkeyPatch, nested: bool
) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", ENV_SECRET)  # configured in code: never read
    if nested:
        middle = FastAPI()
        middle.mount("/v3", views_app())
        app, path = parent_app(parent, {"/v2": middle}), "/v2/v3/api/me"
    else:
        app, path = parent_app(parent, {"/v2": views_app()}), "/v2/api/me"
    token, other = parent.create_access_token("alice"), parent.create_access_token("bob")
    with TestClient(app) as client:
        assert client.get(path, headers=bearer(token)).json() == {"user": "alice"}
        assert client.post("/logout", headers=bearer(token)).status_code == 200
        refused = client.get(path, headers=bearer(token))
        assert (refused.status_code, refused.json()) == (401, {"detail": "Token has been revoked"})
        assert client.get(path, headers=bearer(other)).json() == {"user": "bob"}


def test_install_mounted_app_never_reads_a_different_secret_from_the_environment(
    parent: AuthViews, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", ENV_SECRET)
    env_token = AuthViews(AuthViewsConfig(secret_key=ENV_SECRET)).create_access_token("mallory")
    with TestClient(parent_app(parent, {"/v2": views_app()})) as client:
        response = client.get("/v2/api/me", headers=bearer(env_token))
    assert (response.status_code, response.json()) == (401, {"detail": "Signature verification failed"})


def test_install_mounted_app_with_its_own_authviews_uses_its_own(parent: AuthViews) -> None:
    child = AuthViews(AuthViewsConfig(secret_key=CHILD_SECRET))
    sub = views_app()
    child.install(sub)
    with TestClient(parent_app(parent, {"/v2": sub, "/v1": views_app()})) as client:
        child_token, parent_token = child.create_access_token("c"), parent.create_access_token("p")
        assert client.get("/v2/api/me", headers=bearer(child_token)).json() == {"user": "c"}
        assert client.get("/v2/api/me", headers=bearer(parent_token)).status_code == 401
        assert client.get("/v1/api/me", headers=bearer(parent_token)).json() == {"user": "p"}
        assert client.get("/v1/api/me", headers=bearer(child_token)).status_code == 401


def test_install_mounted_app_websocket_uses_parent_authviews(parent: AuthViews) -> None:
    with TestClient(parent_app(parent, {"/v2": views_app()})) as client:
        token = parent.create_access_token("alice")
        with client.websocket_connect(f"/v2/api/ws?token={token}") as websocket:
            assert websocket.receive_text() == "hello alice"


def test_install_mounted_apps_document_follows_parent_configuration(parent: AuthViews) -> None:
    sub = views_app()
    with TestClient(parent_app(parent, {"/v2": sub})) as client:
        schema = client.get("/v2/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken"}


def test_install_nothing_installed_mounted_view_answers_500_naming_install(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", ENV_SECRET)
    root = FastAPI()
    root.mount("/v2", views_app())
    token = AuthViews(AuthViewsConfig(secret_key=ENV_SECRET)).create_access_token("alice")
    with TestClient(root) as client, caplog.at_level(logging.ERROR, "fastapi_jwt_views"):
        response = client.get("/v2/api/me", headers=bearer(token))
        assert (response.status_code, response.json()) == (500, {"detail": NOT_INSTALLED})
        assert caplog.messages == [NOT_INSTALLED]
        path = f"/v2/api/ws?token={token}"
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(path) as websocket:
            websocket.receive_text()
    assert (closed.value.code, closed.value.reason) == (1011, NOT_INSTALLED)


def test_install_find_and_of_follow_the_connection(parent: AuthViews) -> None:
    found: list[Any] = []
    sub = FastAPI()

    @sub.get("/probe")
    async def probe() -> None:
        return None

    @sub.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        found.append((AuthViews.find(request), AuthViews.of(request)))
        return await call_next(request)

    with TestClient(parent_app(parent, {"/v2": sub})) as client:
        client.get("/v2/probe")
    assert found == [(parent, parent)]
    assert AuthViews.find(sub) is None
    with pytest.raises(ConfigurationError, match=r"install\(app\)"):
        AuthViews.of(sub)


def test_install_twice_the_second_authviews_serves(parent: AuthViews) -> None:
    app = views_app()
    parent.install(app)
    other = AuthViews(AuthViewsConfig(secret_key=CHILD_SECRET)).install(app)
    with TestClient(app) as client:
        assert client.get("/api/me", headers=bearer(other.create_access_token("o"))).status_code == 200
        assert client.get("/api/me", headers=bearer(parent.create_access_token("p"))).status_code == 401


def test_install_compat_load_config_never_reaches_an_installed_app(parent: AuthViews) -> None:
    """The compatibility API's process-wide configuration is for apps without an AuthViews only."""
    from fastapi_jwt_views._compat_config import PROCESS

    PROCESS.reset()
    try:
        AuthJWT.load_config(lambda: [("authjwt_secret_key", ENV_SECRET)])
        foreign = AuthJWT().create_access_token(subject="mallory")
        with TestClient(parent_app(parent, {"/v2": views_app()})) as client:
            assert client.get("/v2/api/me", headers=bearer(foreign)).status_code == 401
            mine = parent.create_access_token("a")
            assert client.get("/v2/api/me", headers=bearer(mine)).status_code == 200
    finally:
        PROCESS.reset()


def test_install_middleware_added_after_install_sees_the_authviews(parent: AuthViews) -> None:
    app = views_app()
    parent.install(app)
    seen: list[Any] = []

    @app.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        seen.append(AuthViews.find(request))
        return await call_next(request)

    with TestClient(app) as client:
        assert client.get("/api/me", headers=bearer(parent.create_access_token("a"))).json() == {"user": "a"}
    assert seen == [parent]
