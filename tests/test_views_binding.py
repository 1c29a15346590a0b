"""A route declared in a view class body is never served without the view's authentication: it is bound
when the class is created (``@cbv(router)`` optional), and an app whose tree still holds an unbound one
refuses to start (or, without a lifespan, refuses every request)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError, OptionalView, ProtectedView, cbv

SECRET = "s" * 32


@pytest.fixture
def authviews() -> AuthViews:
    return AuthViews(AuthViewsConfig(secret_key=SECRET))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_protected(client: TestClient, authviews: AuthViews, path: str) -> None:
    for query in ("", "?self=x"):
        response = client.get(path + query)
        assert (response.status_code, response.json()) == (401, {"detail": "Missing Authorization Header"})
    token = authviews.create_access_token("alice")
    assert client.get(path, headers=bearer(token)).json() == {"user": "alice"}


# -- bound when the class is created, without @cbv ---------------------------------------------------------
def test_view_without_cbv_on_the_app_router_is_protected(authviews: AuthViews) -> None:
    app = FastAPI()
    authviews.install(app)

    class Me(ProtectedView):
        @app.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    with TestClient(app) as client:
        assert_protected(client, authviews, "/me")


@pytest.mark.parametrize("include_first", [False, True], ids=["included-after", "included-before"])
def test_view_without_cbv_on_an_included_router_is_protected(
    authviews: AuthViews, include_first: bool
) -> None:
    app = FastAPI()
    authviews.install(app)
    router = APIRouter(prefix="/api")
    if include_first:
        app.include_router(router)

    class Me(ProtectedView):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    if not include_first:
        app.include_router(router)
    with TestClient(app) as client:
        if include_first and client.get("/api/me").status_code == 404:
            pytest.skip("FastAPI < 0.16x copies an included router's routes when it is included")
        assert_protected(client, authviews, "/api/me")


def test_view_without_cbv_in_a_mounted_app_is_protected(authviews: AuthViews) -> None:
    root, sub = FastAPI(), FastAPI()
    authviews.install(root)

    class Me(ProtectedView):
        @sub.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    root.mount("/v2", sub)
    with TestClient(root) as client:
        assert_protected(client, authviews, "/v2/me")


def test_view_with_explicit_cbv_is_bound_once(authviews: AuthViews) -> None:
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @cbv(router)
    class Me(ProtectedView):
        @router.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    cbv(router)(Me)  # again: nothing changes
    assert [route.path for route in router.routes if isinstance(route, APIRoute)] == ["/me"]
    app.include_router(router)
    with TestClient(app) as client:
        assert_protected(client, authviews, "/me")


def test_view_subclass_of_a_subclass_with_its_own_init_subclass_is_bound(authviews: AuthViews) -> None:
    app = FastAPI()
    authviews.install(app)

    class Base(OptionalView):
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)

    class Me(Base):
        @app.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    with TestClient(app) as client:
        assert client.get("/me").json() == {"user": None}
        assert client.get("/me", headers=bearer("not.a.token")).status_code == 401


# -- the safety net: a router the class cannot see ---------------------------------------------------------
def _hidden_view(where: str, authviews: AuthViews) -> tuple[FastAPI, str]:
    """An installed app whose tree holds a view route bound to nothing: the router is out of sight when
    the class is created (kept in a dict), so only the app's check can catch it."""
    holders: dict[str, Any] = {"app": FastAPI(), "router": APIRouter(), "sub": FastAPI()}

    class Hidden(ProtectedView):
        @holders[where].get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app = holders["app"]
    authviews.install(app)

    if where == "router":
        app.include_router(holders["router"], prefix="/api")
        return app, "/api/me"
    if where == "sub":
        app.mount("/v2", holders["sub"])
        return app, "/v2/me"
    return app, "/me"


WHERE = ["app", "router", "sub"]
MESSAGE = r"_hidden_view\.<locals>\.Hidden\.me \((/api)?/me\).*@cbv\(router\)"


@pytest.mark.parametrize("where", WHERE)
def test_view_route_left_unbound_stops_the_app_at_startup(authviews: AuthViews, where: str) -> None:
    app, _ = _hidden_view(where, authviews)
    with pytest.raises(ConfigurationError, match=MESSAGE), TestClient(app):
        pass


@pytest.mark.parametrize("where", WHERE)
def test_view_route_left_unbound_without_lifespan_refuses_every_request(
    authviews: AuthViews, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    app, path = _hidden_view(where, authviews)
    client = TestClient(app)
    for query in ("", "?self=x"):
        response = client.get(path + query, headers=bearer(authviews.create_access_token("alice")))
        assert response.status_code == 500
        assert "would be served without authentication" in response.json()["detail"]
    assert "Hidden.me" in caplog.text


def test_view_route_left_unbound_without_lifespan_closes_websockets_1011(authviews: AuthViews) -> None:
    holders: dict[str, Any] = {"app": FastAPI()}

    class Hidden(ProtectedView):
        @holders["app"].websocket("/ws")
        async def ws(self, websocket: WebSocket) -> None:
            await websocket.accept()

    app = holders["app"]
    authviews.install(app)
    path = f"/ws?token={authviews.create_access_token('alice')}"
    with pytest.raises(WebSocketDisconnect) as closed, TestClient(app).websocket_connect(path):
        pass
    assert closed.value.code == 1011
    assert closed.value.reason.startswith("Routes defined in a view class are not bound to their view")


def test_view_plain_class_routes_are_left_alone() -> None:
    app = FastAPI()

    class NotAView:
        @app.get("/plain")
        def plain(self) -> str:
            return "plain"

    assert TestClient(app).get("/plain?self=x").json() == "plain"
