"""An operation on ``self.auth`` left un-awaited still happens before the response, or the response is its
error; revoking with revocation disabled is a 500 that names the setting."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any

import fastapi
import fastapi.routing
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    MemoryRevocationStore,
    ProtectedView,
    cbv,
    require_access,
)

SECRET = "s" * 32
#: FastAPI with function-scoped dependencies closes an exit stack between a function route's endpoint and
#: its response: function routes settle there.
FUNCTION_STACK = "fastapi_function_astack" in inspect.getsource(fastapi.routing)
PATHS = [
    "/forgot",
    "/forgot-init",
    pytest.param(
        "/forgot-function",
        marks=pytest.mark.skipif(not FUNCTION_STACK, reason="no function-scoped dependencies"),
    ),
]
DISABLED = (
    "Revoking tokens needs revocation enabled: set AUTHJWT_BLACKLIST_ENABLED=true "
    "(AuthViewsConfig(denylist_enabled=True) in code); without it a revoked token is never checked"
)


class SlowStore(MemoryRevocationStore):
    """A store whose writes take a few turns of the event loop (as a network store's do), or fail."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    async def revoke(self, jti: str, expires_at: float | None) -> bool:
        for _ in range(20):
            await asyncio.sleep(0)
        if self.fail:
            raise OSError("store down")
        return await super().revoke(jti, expires_at)


def make_app(authviews: AuthViews) -> FastAPI:
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    class Flat(ProtectedView):  # bound without @cbv; its endpoint builds the view itself
        @router.post("/forgot")
        async def forgot(self) -> dict[str, str]:
            self.auth.revoke()  # no await
            return {"detail": "logged out"}

        @router.post("/forgot-other")
        async def forgot_other(self, token: str) -> dict[str, str]:
            self.auth.revoke_token(token)  # no await
            return {"detail": "revoked"}

        @router.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @cbv(router)
    class WithInit(ProtectedView):  # a user __init__: the view is a dependency of the method
        def __init__(self) -> None:
            self.label = "init"

        @router.post("/forgot-init")
        async def forgot(self) -> dict[str, str]:
            self.auth.revoke()  # no await
            return {"detail": self.label}

    @router.post("/forgot-function")
    async def forgot_function(auth: AuthSession = Depends(require_access)) -> dict[str, str]:
        auth.revoke()  # no await
        return {"detail": "logged out"}

    app.include_router(router)
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def store() -> SlowStore:
    return SlowStore()


@pytest.fixture
def authviews(store: SlowStore) -> AuthViews:
    return AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=store)


@pytest.mark.parametrize("path", PATHS)
def test_revoke_without_await_revokes_before_the_response(
    authviews: AuthViews, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = authviews.create_access_token("alice")
    with TestClient(make_app(authviews)) as client:
        assert client.post(path, headers=bearer(token)).status_code == 200
        response = client.get("/me", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})
    assert "self.auth.revoke() was called without await" in caplog.text


def test_revoke_token_without_await_revokes_before_the_response(authviews: AuthViews) -> None:
    token, other = authviews.create_access_token("alice"), authviews.create_access_token("alice")
    with TestClient(make_app(authviews)) as client:
        assert client.post("/forgot-other", params={"token": other}, headers=bearer(token)).status_code == 200
        assert client.get("/me", headers=bearer(other)).status_code == 401
        assert client.get("/me", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_revoke_without_await_failing_is_the_response(
    authviews: AuthViews, store: SlowStore, path: str
) -> None:
    store.fail = True
    token = authviews.create_access_token("alice")
    with TestClient(make_app(authviews), raise_server_exceptions=False) as client:
        response = client.post(path, headers=bearer(token))
    assert response.status_code == 503
    assert response.json() == {"detail": "Token revocation store is unavailable"}


def test_revoke_awaited_and_caught_is_not_raised_again(authviews: AuthViews, store: SlowStore) -> None:
    store.fail = True
    app = FastAPI()
    authviews.install(app)

    class Careful(ProtectedView):
        @app.post("/careful")
        async def careful(self) -> dict[str, str]:
            try:
                await self.auth.revoke()
            except Exception as exc:
                return {"detail": f"not now: {exc}"}
            return {"detail": "logged out"}

    with TestClient(app) as client:
        response = client.post("/careful", headers=bearer(authviews.create_access_token("alice")))
    assert response.json() == {"detail": "not now: Token revocation store is unavailable"}


@pytest.mark.parametrize("path", ["/forgot", "/forgot-init", "/forgot-function"])
def test_revoke_with_revocation_disabled_answers_500_naming_the_setting(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = authviews.create_access_token("alice")
    with TestClient(make_app(authviews), raise_server_exceptions=False) as client, caplog.at_level(
        logging.ERROR, "fastapi_jwt_views"
    ):
        response = client.post(path, headers=bearer(token))
    assert (response.status_code, response.json()) == (500, {"detail": DISABLED})
    assert DISABLED in caplog.messages


@pytest.mark.skipif(FUNCTION_STACK, reason="function-scoped dependencies: the failure is the response")
def test_revoke_without_await_in_a_function_route_on_older_fastapi_logs_its_failure(
    authviews: AuthViews, store: SlowStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.fail = True
    with TestClient(make_app(authviews)) as client, caplog.at_level(logging.ERROR, "fastapi_jwt_views"):
        client.post("/forgot-function", headers=bearer(authviews.create_access_token("alice")))
        failed = "self.auth.revoke() was not awaited and failed: Token revocation store is unavailable"
        deadline = time.monotonic() + 10  # the operation finishes on the app's loop; the machine may be busy
        while failed not in caplog.text and time.monotonic() < deadline:
            client.get("/me")
            time.sleep(0.01)
    assert failed in caplog.text
