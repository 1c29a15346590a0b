"""Revocation through ``AuthJWT``: fastapi-jwt-auth's denylist callback (sync, and async, which 0.5.0 never
awaited), its older blacklist names, a failing callback, and the core's built-in store."""

import asyncio
import secrets
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.asyncio import AuthJWT as AsyncAuthJWT
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException
from tests.redis_server import RedisServer

SECRET = secrets.token_hex(32)


@pytest.fixture(autouse=True)
def _isolated_authjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config and the denylist loaders set process-wide state: each test gets its own."""
    PROCESS.reset()


def _configure(*settings: tuple[str, Any]) -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [
            ("authjwt_secret_key", SECRET),
            ("authjwt_denylist_enabled", True),
            ("authjwt_denylist_token_checks", {"access", "refresh"}),
            *settings,
        ]


def _app() -> FastAPI:
    """examples/denylist.py of fastapi-jwt-auth, plus async twins of its routes."""
    app = FastAPI()

    @app.exception_handler(AuthJWTException)
    def authjwt_exception_handler(request: Request, exc: AuthJWTException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    @app.delete("/access-revoke")
    def access_revoke(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        jti = Authorize.get_raw_jwt()["jti"]  # type: ignore[index]
        DENYLIST.add(jti)
        return {"detail": "Access token has been revoke"}

    @app.delete("/refresh-revoke")
    def refresh_revoke(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_refresh_token_required()
        jti = Authorize.get_raw_jwt()["jti"]  # type: ignore[index]
        DENYLIST.add(jti)
        return {"detail": "Refresh token has been revoke"}

    @app.get("/protected")
    def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/async-protected")
    async def async_protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.post("/refresh")
    def refresh(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_refresh_token_required()
        return {"access_token": Authorize.create_access_token(subject=Authorize.get_jwt_subject())}

    @app.post("/login")
    def login(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        return {
            "access_token": Authorize.create_access_token(subject="test"),
            "refresh_token": Authorize.create_refresh_token(subject="test"),
        }

    @app.delete("/logout")
    def logout(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        Authorize.revoke_token()  # a def handler: the in-memory store revokes at once
        return {"detail": "revoked"}

    @app.delete("/async-logout")
    async def async_logout(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        await Authorize.revoke_token()
        return {"detail": "revoked"}

    return app


DENYLIST: set[str] = set()


@pytest.fixture(autouse=True)
def _empty_denylist() -> None:
    DENYLIST.clear()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient) -> dict[str, str]:
    body: dict[str, str] = client.post("/login").json()
    return body


def _sync_callback(decrypted_token: Mapping[str, Any]) -> bool:
    return decrypted_token["jti"] in DENYLIST


def test_compat_denylist_sync_callback_revokes_access_and_refresh_tokens() -> None:
    _configure()

    @AuthJWT.token_in_denylist_loader
    def check_if_token_in_denylist(decrypted_token: Mapping[str, Any]) -> bool:
        return decrypted_token["jti"] in DENYLIST

    client = TestClient(_app())
    tokens = _login(client)
    assert client.get("/protected", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    assert client.delete("/access-revoke", headers=_bearer(tokens["access_token"])).status_code == 200
    for path in ("/protected", "/async-protected"):
        response = client.get(path, headers=_bearer(tokens["access_token"]))
        assert response.status_code == 401
        assert response.json() == {"detail": "Token has been revoked"}

    assert client.post("/refresh", headers=_bearer(tokens["refresh_token"])).status_code == 200
    assert client.delete("/refresh-revoke", headers=_bearer(tokens["refresh_token"])).status_code == 200
    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}


def test_compat_denylist_loader_returns_the_function() -> None:
    """0.5.0's decorator returned None, so the decorated name was lost."""
    assert AuthJWT.token_in_denylist_loader(_sync_callback) is _sync_callback
    assert AuthJWT.token_in_blacklist_loader(_sync_callback) is _sync_callback


@pytest.mark.parametrize("handler", ["/protected", "/async-protected"])
def test_compat_denylist_async_callback_is_awaited(handler: str) -> None:
    """0.5.0 called an async callback without awaiting it: the coroutine was truthy, every token revoked."""
    _configure()
    awaited: list[str] = []

    @AuthJWT.token_in_denylist_loader
    async def check_if_token_in_denylist(decrypted_token: Mapping[str, Any]) -> bool:
        await asyncio.sleep(0)
        awaited.append(decrypted_token["jti"])
        return decrypted_token["jti"] in DENYLIST

    client = TestClient(_app())
    token = _login(client)["access_token"]
    assert client.get(handler, headers=_bearer(token)).json() == {"user": "test"}  # not in the denylist
    assert awaited
    client.delete("/access-revoke", headers=_bearer(token))
    response = client.get(handler, headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}


def test_compat_denylist_sync_callback_runs_in_the_thread_pool_not_on_the_event_loop() -> None:
    _configure()
    threads: list[str] = []

    @AuthJWT.token_in_denylist_loader
    def check_if_token_in_denylist(decrypted_token: Mapping[str, Any]) -> bool:
        threads.append(threading.current_thread().name)
        return False

    client = TestClient(_app())
    token = _login(client)["access_token"]
    assert client.get("/async-protected", headers=_bearer(token)).status_code == 200
    assert threads and all("AnyIO worker thread" in name for name in threads)


def test_compat_blacklist_names_of_fastapi_jwt_auth_0_2_work() -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [
            ("authjwt_secret_key", SECRET),
            ("authjwt_blacklist_enabled", True),
            ("authjwt_blacklist_token_checks", ["access"]),
        ]

    AuthJWT.token_in_blacklist_loader(_sync_callback)
    client = TestClient(_app())
    tokens = _login(client)
    client.delete("/access-revoke", headers=_bearer(tokens["access_token"]))
    assert client.get("/protected", headers=_bearer(tokens["access_token"])).status_code == 401
    DENYLIST.add(AuthJWT().get_jti(tokens["refresh_token"]) or "")
    assert client.post("/refresh", headers=_bearer(tokens["refresh_token"])).status_code == 200  # not checked


def test_compat_denylist_callback_unused_when_denylist_disabled() -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET)]

    @AuthJWT.token_in_denylist_loader
    def check_if_token_in_denylist(decrypted_token: Mapping[str, Any]) -> bool:
        raise AssertionError("not called when the denylist is disabled")

    client = TestClient(_app())
    assert client.get("/protected", headers=_bearer(_login(client)["access_token"])).status_code == 200


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("handler", ["/protected", "/async-protected"])
def test_compat_denylist_callback_raising_is_503_not_500(
    asynchronous: bool, handler: str, caplog: pytest.LogCaptureFixture
) -> None:
    _configure()

    def broken(decrypted_token: Mapping[str, Any]) -> bool:
        raise ConnectionError("database down")

    async def broken_async(decrypted_token: Mapping[str, Any]) -> bool:
        raise ConnectionError("database down")

    AuthJWT.token_in_denylist_loader(broken_async if asynchronous else broken)
    client = TestClient(_app())
    token = _login(client)["access_token"]
    response = client.get(handler, headers=_bearer(token))
    assert response.status_code == 503
    assert response.json() == {"detail": "Token revocation store is unavailable"}
    assert "revocation callback failed" in caplog.text


def test_compat_denylist_login_works_while_the_callback_is_down() -> None:
    """Tokens are verified when AuthJWT is built, but only a guard raises: /login needs none."""
    _configure()
    AuthJWT.token_in_denylist_loader(lambda claims: 1 / 0)
    client = TestClient(_app())
    token = _login(client)["access_token"]
    assert client.post("/login", headers=_bearer(token)).status_code == 200


def test_compat_denylist_get_raw_jwt_does_not_check_revocation() -> None:
    """As in 0.5.0: the accessors verify the signature and claims, not the denylist."""
    _configure()
    AuthJWT.token_in_denylist_loader(lambda claims: True)
    authorize = AuthJWT()
    token = authorize.create_access_token(subject="test")
    assert authorize.get_raw_jwt(token)["sub"] == "test"  # type: ignore[index]
    with pytest.raises(AuthJWTException, match="Token has been revoked"):
        asyncio.run(AsyncAuthJWT().jwt_required("websocket", token=token))


@pytest.mark.parametrize("logout", ["/logout", "/async-logout"])
def test_compat_denylist_without_callback_uses_the_built_in_store(logout: str) -> None:
    """0.5.0 raised RuntimeError when the denylist was enabled without a callback."""
    _configure()
    client = TestClient(_app())
    tokens = _login(client)
    assert client.delete(logout, headers=_bearer(tokens["access_token"])).json() == {"detail": "revoked"}
    response = client.get("/async-protected", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}
    assert client.post("/refresh", headers=_bearer(tokens["refresh_token"])).status_code == 200


def test_compat_revoke_token_given_an_encoded_token() -> None:
    _configure()
    client = TestClient(_app())
    tokens = _login(client)
    authorize = AuthJWT()
    authorize.revoke_token(tokens["refresh_token"])  # outside an app: the in-memory store, at once
    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}


def test_compat_revoke_token_needs_revocation_enabled() -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET)]

    authorize = AuthJWT()
    with pytest.raises(RuntimeError, match="AUTHJWT_BLACKLIST_ENABLED"):
        authorize.revoke_token(authorize.create_access_token(subject="test"))


def test_compat_denylist_installed_authviews_uses_its_own_is_revoked() -> None:
    """An app that installs an AuthViews passes ``is_revoked=``; the process-wide loader is not used."""
    AuthJWT.token_in_denylist_loader(lambda claims: True)
    app = _app()
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True)
    authviews = AuthViews(config, is_revoked=_sync_callback).install(app)
    client = TestClient(app)
    token = authviews.create_access_token("test")
    assert client.get("/protected", headers=_bearer(token)).status_code == 200
    DENYLIST.add(authviews.codec.decode(token).claims["jti"])
    assert client.get("/protected", headers=_bearer(token)).status_code == 401


def test_compat_revoke_token_in_a_def_handler_with_redis_names_the_fix(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    """A worker thread must not wait for the event loop: the Redis store needs an async def handler."""
    app = FastAPI()
    config = AuthViewsConfig(
        secret_key=SECRET, blacklist_enabled=True, redis_url=redis_server.url, redis_key_prefix=redis_prefix
    )
    authviews = AuthViews(config).install(app)

    @app.post("/logout")
    def logout(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        Authorize.revoke_token()
        return {"detail": "revoked"}

    @app.post("/async-logout")
    async def async_logout(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        await Authorize.revoke_token()
        return {"detail": "revoked"}

    token = authviews.create_access_token("test")
    with TestClient(app) as client:
        with pytest.raises(RuntimeError, match="make the handler 'async def'"):
            client.post("/logout", headers=_bearer(token))
        assert client.post("/async-logout", headers=_bearer(token)).json() == {"detail": "revoked"}
        response = client.post("/async-logout", headers=_bearer(token))
        assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})
