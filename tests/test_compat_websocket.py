"""WebSocket routes with ``auth_from="websocket"``: fastapi-jwt-auth's ``websocket.py`` (token in the query
or the path) and ``websocket_cookie.py`` (cookie and ``csrf_token``), and how a guard called on the event
loop verifies a token the handshake did not carry (the first message)."""

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Query, WebSocket
from fastapi.testclient import TestClient
from starlette.exceptions import WebSocketException
from starlette.websockets import WebSocketDisconnect

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.asyncio import AuthJWT as AsyncAuthJWT
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException, MissingTokenError
from fastapi_jwt_views.revocation.base import jti_key
from tests.redis_server import RedisServer

SECRET = secrets.token_hex(32)
GUARDS = ["jwt_required", "jwt_optional", "jwt_refresh_token_required", "fresh_jwt_required"]


@pytest.fixture(autouse=True)
def _isolated_authjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config and the denylist loaders set process-wide state: each test gets its own."""
    PROCESS.reset()


def _app() -> FastAPI:
    app = FastAPI()

    @app.websocket("/ws")
    async def websocket(
        websocket: WebSocket, guard: str, token: str | None = Query(None), Authorize: AuthJWT = Depends()
    ) -> None:
        await websocket.accept()
        try:
            getattr(Authorize, guard)("websocket", token=token)
            await websocket.send_text("Successfully Login!")
            await websocket.send_json({"raw": Authorize.get_raw_jwt(), "sub": Authorize.get_jwt_subject()})
        except AuthJWTException as err:
            await websocket.send_json({"message": err.message, "status_code": err.status_code})
        await websocket.close()

    @app.websocket("/ws/path/{token}")
    async def websocket_path(websocket: WebSocket, token: str, Authorize: AuthJWT = Depends()) -> None:
        await websocket.accept()
        Authorize.jwt_required("websocket", token=token)  # not caught: closes the connection with 1008
        await websocket.send_text(str(Authorize.get_jwt_subject()))
        await websocket.close()

    @app.websocket("/ws-cookie")
    async def websocket_cookie(
        websocket: WebSocket, guard: str, csrf_token: str | None = Query(None), Authorize: AuthJWT = Depends()
    ) -> None:
        await websocket.accept()
        try:
            getattr(Authorize, guard)("websocket", websocket=websocket, csrf_token=csrf_token)
            await websocket.send_json({"sub": Authorize.get_jwt_subject()})
        except AuthJWTException as err:
            await websocket.send_json({"message": err.message, "status_code": err.status_code})
        await websocket.close()

    @app.websocket("/ws-message")
    async def websocket_message(websocket: WebSocket, Authorize: AuthJWT = Depends()) -> None:
        await websocket.accept()
        token = await websocket.receive_text()
        Authorize.jwt_required("websocket", token=token)  # a token the constructor never saw
        await websocket.send_text(str(Authorize.get_jwt_subject()))
        await websocket.close()

    return app


def _configure(*settings: tuple[str, Any]) -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET), *settings]


@pytest.fixture
def client() -> TestClient:
    _configure()
    return TestClient(_app())


def _tokens() -> dict[str, str]:
    authorize = AuthJWT()
    return {
        "access": authorize.create_access_token(subject="test"),
        "fresh": authorize.create_access_token(subject="test", fresh=True),
        "refresh": authorize.create_refresh_token(subject="test"),
    }


def _query(client: TestClient, guard: str, token: str | None) -> Any:
    url = f"/ws?guard={guard}" + (f"&token={token}" if token else "")
    with client.websocket_connect(url) as websocket:
        first = websocket.receive_text()
        if first != "Successfully Login!":
            return first
        return websocket.receive_json()


# -- token in the query or the path -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("guard", "kind"),
    [
        ("jwt_required", "access"),
        ("jwt_optional", "access"),
        ("jwt_refresh_token_required", "refresh"),
        ("fresh_jwt_required", "fresh"),
    ],
)
def test_compat_websocket_query_token_passes_its_guard(client: TestClient, guard: str, kind: str) -> None:
    body = _query(client, guard, _tokens()[kind])
    assert body["sub"] == "test"
    assert body["raw"]["type"] == ("refresh" if kind == "refresh" else "access")


@pytest.mark.parametrize(
    ("guard", "kind", "message"),
    [
        ("jwt_required", "refresh", "Only access tokens are allowed"),
        ("jwt_optional", "refresh", "Only access tokens are allowed"),
        ("jwt_refresh_token_required", "access", "Only refresh tokens are allowed"),
        ("fresh_jwt_required", "access", "Fresh token required"),
        ("jwt_required", "garbage", "Not enough segments"),
    ],
)
def test_compat_websocket_wrong_token_is_refused_with_1008(
    client: TestClient, guard: str, kind: str, message: str
) -> None:
    token = _tokens().get(kind, "garbage")
    assert _query(client, guard, token) == f'{{"message":"{message}","status_code":1008}}'


@pytest.mark.parametrize(
    ("guard", "message"),
    [
        ("jwt_required", "Missing access token from Query or Path"),
        ("fresh_jwt_required", "Missing access token from Query or Path"),
        ("jwt_refresh_token_required", "Missing refresh token from Query or Path"),
    ],
)
def test_compat_websocket_missing_token_is_1008(client: TestClient, guard: str, message: str) -> None:
    assert _query(client, guard, None) == f'{{"message":"{message}","status_code":1008}}'


def test_compat_websocket_optional_without_token_is_anonymous(client: TestClient) -> None:
    assert _query(client, "jwt_optional", None) == {"raw": None, "sub": None}


def test_compat_websocket_status_is_1008_even_without_legacy_codes() -> None:
    _configure(("authjwt_legacy_status_codes", False))
    body = _query(TestClient(_app()), "jwt_required", _tokens()["refresh"])
    assert body == '{"message":"Only access tokens are allowed","status_code":1008}'


def test_compat_websocket_path_token(client: TestClient) -> None:
    with client.websocket_connect(f"/ws/path/{_tokens()['access']}") as websocket:
        assert websocket.receive_text() == "test"


def test_compat_websocket_uncaught_error_closes_with_1008_and_the_message(client: TestClient) -> None:
    with client.websocket_connect(f"/ws/path/{_tokens()['refresh']}") as websocket:
        message = websocket.receive()
    assert message == {"type": "websocket.close", "code": 1008, "reason": "Only access tokens are allowed"}


def test_compat_websocket_error_is_also_a_websocket_exception() -> None:
    _configure()
    with pytest.raises(MissingTokenError) as caught:
        AuthJWT().jwt_required("websocket")
    error = caught.value
    assert isinstance(error, WebSocketException)
    assert (error.status_code, error.code) == (1008, 1008)
    assert error.message == error.reason == error.detail == "Missing access token from Query or Path"


# -- cookie and csrf_token --------------------------------------------------------------------------------
def _cookie_client(*settings: tuple[str, Any]) -> tuple[TestClient, dict[str, str]]:
    _configure(("authjwt_token_location", {"cookies"}), *settings)
    client = TestClient(_app())
    tokens = _tokens()
    authorize = AuthJWT()
    client.cookies.set("access_token_cookie", tokens["fresh"])
    client.cookies.set("refresh_token_cookie", tokens["refresh"])
    csrf = {
        "access": authorize.get_raw_jwt(tokens["fresh"]).get("csrf"),  # type: ignore[union-attr]
        "refresh": authorize.get_raw_jwt(tokens["refresh"]).get("csrf"),  # type: ignore[union-attr]
    }
    return client, csrf


def _cookie(client: TestClient, guard: str, csrf_token: str | None) -> Any:
    url = f"/ws-cookie?guard={guard}" + (f"&csrf_token={csrf_token}" if csrf_token else "")
    with client.websocket_connect(url) as websocket:
        return websocket.receive_json()


@pytest.mark.parametrize("guard", GUARDS)
def test_compat_websocket_cookie_with_csrf_token_passes(guard: str) -> None:
    client, csrf = _cookie_client()
    kind = "refresh" if guard == "jwt_refresh_token_required" else "access"
    assert _cookie(client, guard, csrf[kind]) == {"sub": "test"}


@pytest.mark.parametrize("guard", GUARDS)
def test_compat_websocket_cookie_csrf_is_always_checked(guard: str) -> None:
    client, _ = _cookie_client()
    assert _cookie(client, guard, None) == {"message": "Missing CSRF Token", "status_code": 1008}
    assert _cookie(client, guard, "forged") == {
        "message": "CSRF double submit tokens do not match",
        "status_code": 1008,
    }


def test_compat_websocket_cookie_missing_names_the_cookie() -> None:
    client, csrf = _cookie_client()
    client.cookies.clear()
    assert _cookie(client, "jwt_required", csrf["access"]) == {
        "message": "Missing cookie access_token_cookie",
        "status_code": 1008,
    }
    assert _cookie(client, "jwt_refresh_token_required", csrf["refresh"]) == {
        "message": "Missing cookie refresh_token_cookie",
        "status_code": 1008,
    }
    assert _cookie(client, "jwt_optional", None) == {"sub": None}


def test_compat_websocket_cookie_without_csrf_protection() -> None:
    client, _ = _cookie_client(("authjwt_cookie_csrf_protect", False))
    assert _cookie(client, "jwt_required", None) == {"sub": "test"}


# -- a token from the first message: verified on the event loop's thread ------------------------------------
def _denylist_client(callback: Any) -> tuple[TestClient, set[str]]:
    _configure(("authjwt_denylist_enabled", True))
    denylist: set[str] = set()
    AuthJWT.token_in_denylist_loader(callback(denylist))
    return TestClient(_app()), denylist


def _sync_check(denylist: set[str]) -> Any:
    def check(claims: Mapping[str, Any]) -> bool:
        return claims["jti"] in denylist

    return check


def _async_check(denylist: set[str]) -> Any:
    async def check(claims: Mapping[str, Any]) -> bool:
        await asyncio.sleep(0.001)  # really waits
        return claims["jti"] in denylist

    return check


@pytest.mark.parametrize("callback", [_sync_check, _async_check], ids=["sync", "async"])
def test_compat_websocket_message_token_with_a_callback_is_refused_with_1011(
    callback: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The sync guard cannot wait for the callback on the event loop: refused (1011), never let through."""
    client, _ = _denylist_client(callback)
    with caplog.at_level(logging.ERROR, "fastapi_jwt_views"), client.websocket_connect("/ws-message") as ws:
        ws.send_text(_tokens()["access"])
        assert ws.receive() == {
            "type": "websocket.close",
            "code": 1011,
            "reason": "Token revocation store is unavailable",
        }
    assert "await Authorize.jwt_required('websocket', token=token)" in caplog.text


@pytest.mark.parametrize("callback", [_sync_check, _async_check], ids=["sync", "async"])
def test_compat_websocket_message_token_checks_the_denylist_with_the_async_api(callback: Any) -> None:
    client, denylist = _denylist_client(callback)
    app = client.app

    @app.websocket("/ws-message-async")  # type: ignore[attr-defined]
    async def websocket_message(websocket: WebSocket, Authorize: AsyncAuthJWT = Depends()) -> None:
        await websocket.accept()
        await Authorize.jwt_required("websocket", token=await websocket.receive_text())
        await websocket.send_text(str(await Authorize.get_jwt_subject()))
        await websocket.close()

    token = _tokens()["access"]
    with client.websocket_connect("/ws-message-async") as websocket:
        websocket.send_text(token)
        assert websocket.receive_text() == "test"
    denylist.add(AuthJWT().get_jti(token) or "")
    with client.websocket_connect("/ws-message-async") as websocket:
        websocket.send_text(token)
        assert websocket.receive() == {
            "type": "websocket.close",
            "code": 1008,
            "reason": "Token has been revoked",
        }


def test_compat_websocket_message_token_with_the_memory_store_is_checked_without_waiting() -> None:
    _configure(("authjwt_denylist_enabled", True))
    app = _app()
    client = TestClient(app)
    token = _tokens()["access"]
    with client.websocket_connect("/ws-message") as websocket:
        websocket.send_text(token)
        assert websocket.receive_text() == "test"
    AuthJWT().revoke_token(token)  # the process-wide AuthViews, which the app uses
    with client.websocket_connect("/ws-message") as websocket:
        websocket.send_text(token)
        assert websocket.receive()["reason"] == "Token has been revoked"


class LoopBoundStore:
    """A revocation store that, like a Redis client, works only on the event loop it first ran on."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def revoke(self, jti: str, expires_at: float | None) -> None:
        self.revoked.add(jti)

    async def is_revoked(self, *ids: str) -> bool:
        loop = asyncio.get_running_loop()
        self.loop = self.loop or loop
        if loop is not self.loop:
            raise RuntimeError("attached to a different loop")
        await asyncio.sleep(0)
        return any(jti in self.revoked for jti in ids)


def test_compat_websocket_loop_bound_store_works_for_handshake_tokens() -> None:
    """Tokens of the query, path or cookies are verified when AuthJWT is built, on the app's loop."""
    app = _app()
    store = LoopBoundStore()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=store).install(
        app
    )
    token = authviews.create_access_token("test")
    with TestClient(app) as client:  # one event loop for all connections, as in a server
        assert _query(client, "jwt_required", token)["sub"] == "test"
        store.revoked.add(jti_key(authviews.codec.decode(token).claims["jti"]))
        assert (
            _query(client, "jwt_required", token) == '{"message":"Token has been revoked","status_code":1008}'
        )


def test_compat_websocket_loop_bound_store_refuses_a_message_token_with_1011(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sync guard cannot wait on the event loop: the token is refused (fail closed), never let through."""
    app = _app()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=LoopBoundStore())
    authviews.install(app)
    with (
        caplog.at_level(logging.ERROR, "fastapi_jwt_views"),
        TestClient(app) as client,
        client.websocket_connect("/ws-message") as websocket,
    ):
        websocket.send_text(authviews.create_access_token("test"))
        message = websocket.receive()
    assert message == {
        "type": "websocket.close",
        "code": 1011,
        "reason": "Token revocation store is unavailable",
    }
    assert "LoopBoundStore" in caplog.text


def test_compat_websocket_disconnect_is_not_swallowed(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws-message") as websocket:
        websocket.send_text(_tokens()["refresh"])
        websocket.receive_text()


def test_compat_websocket_redis_down_closes_with_1011_and_refused_token_with_1008(
    start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    """One rule for every WebSocket: 1008 when authentication failed, 1011 when it cannot be checked now."""
    server = start_redis()
    app = _app()
    config = AuthViewsConfig(
        secret_key=SECRET, blacklist_enabled=True, redis_url=server.url, redis_key_prefix=redis_prefix
    )
    authviews = AuthViews(config).install(app)
    token = authviews.create_access_token("test")
    with TestClient(app) as client:
        with client.websocket_connect(f"/ws/path/{token}") as websocket:
            assert websocket.receive_text() == "test"
        with client.websocket_connect("/ws/path/not-a-token") as websocket:
            closed = websocket.receive()
        assert (closed["code"], closed["reason"]) == (1008, "Not enough segments")
        server.kill()
        with client.websocket_connect(f"/ws/path/{token}") as websocket:
            closed = websocket.receive()
        assert (closed["code"], closed["reason"]) == (1011, "Token revocation store is unavailable")
