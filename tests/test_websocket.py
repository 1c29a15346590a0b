"""WebSocket routes: the token from the query string, a header, a cookie (CSRF value as the ``csrf_token``
query parameter) or the first message; refusals close with 1008 (1011 when the token cannot be checked right
now) and the HTTP ``detail`` as reason; a token
that expires or is revoked while the socket is open closes it at the next ``self.auth`` receive or send.

Each test builds its own small app; expiry is driven by an injected clock, never by sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from fastapi import APIRouter, Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    MemoryRevocationStore,
    OptionalView,
    ProtectedView,
    RefreshView,
    cbv,
    require,
    require_access,
)
from fastapi_jwt_views import locations as locations_module

SECRET = "websocket-test-secret-0123456789-abcdefg"
OTHER_SECRET = "another-secret-0123456789-abcdefghijkl"
POLICY_VIOLATION = 1008
NO_MESSAGE = "Missing token in the first WebSocket message"


class Harness(NamedTuple):
    client: TestClient
    authviews: AuthViews
    clock: list[float]

    def advance(self, seconds: float) -> None:
        self.clock[0] += seconds


def build(**settings: Any) -> Harness:
    """An app with WebSocket routes of every kind of view, and an HTTP route to compare details with."""
    settings.setdefault("secret_key", SECRET)
    clock = [time.time()]  # real time, advanced by hand: the revocation store keeps real time too
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(**settings), clock=lambda: clock[0]).install(app)
    router = APIRouter()

    @cbv(router)
    class Chat(ProtectedView):
        @router.get("/http")
        async def http(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

        @router.websocket("/echo")
        async def echo(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")
            with contextlib.suppress(WebSocketDisconnect):  # the client leaving ends the loop
                while True:
                    await self.auth.send_text(await self.auth.receive_text())

        @router.websocket("/receive/{op}")
        async def receive(self, websocket: WebSocket, op: str) -> None:
            await websocket.accept()
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await websocket.receive_text()  # the test's cue, read without a check
                    data = await getattr(self.auth, op)()
                    await websocket.send_text(repr(data))

        @router.websocket("/send/{op}")
        async def send(self, websocket: WebSocket, op: str) -> None:
            await websocket.accept()
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await websocket.receive_text()  # the test's cue, read without a check
                    await getattr(self.auth, op)(PAYLOADS[op])

    @cbv(router)
    class FirstMessage(ProtectedView, locations=["message"]):
        @router.websocket("/first")
        async def first(self, websocket: WebSocket) -> None:
            # The connection was accepted to read the token: no websocket.accept() here.
            await self.auth.send_text(f"hello {self.auth.identity}")
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await self.auth.send_text(await self.auth.receive_text())

    @cbv(router)
    class CookieOnly(ProtectedView, locations=["cookies"]):
        @router.websocket("/cookie-only")
        async def cookie_only(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")

    @cbv(router)
    class Refresh(RefreshView):
        @router.websocket("/refresh")
        async def refresh(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")

    @cbv(router)
    class Anyone(OptionalView):
        @router.websocket("/optional")
        async def optional(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")

    @cbv(router)
    class AnyoneFirst(OptionalView, locations=["message"]):
        @router.websocket("/optional-first")
        async def optional_first(self, websocket: WebSocket) -> None:
            await self.auth.send_text(f"hello {self.auth.identity}")

    app.include_router(router)
    return Harness(TestClient(app), authviews, clock)


PAYLOADS: dict[str, Any] = {"send_text": "hi", "send_json": {"a": [1]}, "send_bytes": b"\x00hi"}
SENDERS: dict[str, Callable[[Any], Any]] = {
    "receive_text": lambda ws: ws.send_text("hi"),
    "receive_json": lambda ws: ws.send_json({"a": [1]}),
    "receive_bytes": lambda ws: ws.send_bytes(b"\x00hi"),
}
RECEIVERS: dict[str, Callable[[Any], Any]] = {
    "send_text": lambda ws: ws.receive_text(),
    "send_json": lambda ws: ws.receive_json(),
    "send_bytes": lambda ws: ws.receive_bytes(),
}


def refused(client: TestClient, path: str, **kwargs: Any) -> tuple[int, str]:
    """Connect, expecting the handshake to be refused; the close code and reason."""
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(path, **kwargs) as websocket:
        websocket.receive_text()
    return info.value.code, info.value.reason


def closed_after(send: Callable[[Any], Any], client: TestClient, path: str, **kwargs: Any) -> tuple[int, str]:
    """Connect, call ``send(websocket)``, and expect the server to close; the close code and reason."""
    with client.websocket_connect(path, **kwargs) as websocket:
        send(websocket)
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    return info.value.code, info.value.reason


def cookie(name: str, value: str) -> dict[str, str]:
    return {"Cookie": f"{name}={value}"}


def csrf_of(authviews: AuthViews, token: str) -> str:
    value = authviews.codec.decode(token).claims["csrf"]
    assert isinstance(value, str)
    return value


# -- where the token comes from ------------------------------------------------------------------------------
def test_websocket_query_token_is_accepted() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect(f"/echo?token={token}") as websocket:
        assert websocket.receive_text() == "hello alice"
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"


def test_websocket_header_token_is_accepted() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect("/echo", headers={"Authorization": f"Bearer {token}"}) as websocket:
        assert websocket.receive_text() == "hello alice"


def test_websocket_query_string_name_setting_is_used() -> None:
    harness = build(query_string_name="jwt")
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect(f"/echo?jwt={token}") as websocket:
        assert websocket.receive_text() == "hello alice"
    assert refused(harness.client, f"/echo?token={token}") == (
        POLICY_VIOLATION,
        "Missing Authorization Header or query parameter jwt",
    )


def test_websocket_cookie_token_with_csrf_query_parameter_is_accepted() -> None:
    harness = build(token_location=["cookies"])
    token = harness.authviews.create_access_token("alice")
    path = f"/echo?csrf_token={csrf_of(harness.authviews, token)}"
    with harness.client.websocket_connect(path, headers=cookie("access_token_cookie", token)) as websocket:
        assert websocket.receive_text() == "hello alice"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "Missing CSRF Token"),
        ("?csrf_token=", "Missing CSRF Token"),
        ("?csrf_token=wrong", "CSRF double submit tokens do not match"),
    ],
)
def test_websocket_cookie_token_without_matching_csrf_closes_1008(query: str, detail: str) -> None:
    harness = build(token_location=["cookies"])
    token = harness.authviews.create_access_token("alice")
    # A CSRF header is not what a WebSocket handshake is checked with: browsers cannot set one.
    headers = {**cookie("access_token_cookie", token), "X-CSRF-Token": csrf_of(harness.authviews, token)}
    assert refused(harness.client, f"/echo{query}", headers=headers) == (POLICY_VIOLATION, detail)


def test_websocket_cookie_token_without_csrf_claim_closes_1008() -> None:
    harness = build(token_location=["cookies"])
    no_csrf = AuthViews(AuthViewsConfig(secret_key=SECRET, cookie_csrf_protect=False))
    token = no_csrf.create_access_token("alice")  # no csrf claim
    headers = cookie("access_token_cookie", token)
    assert refused(harness.client, "/echo?csrf_token=x", headers=headers) == (
        POLICY_VIOLATION,
        "Missing claim: csrf",
    )


def test_websocket_cookie_token_csrf_protect_off_needs_no_csrf() -> None:
    harness = build(token_location=["cookies"], cookie_csrf_protect=False)
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect("/echo", headers=cookie("access_token_cookie", token)) as websocket:
        assert websocket.receive_text() == "hello alice"


def test_websocket_view_locations_override_configuration() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    assert refused(harness.client, f"/cookie-only?token={token}") == (
        POLICY_VIOLATION,
        "Missing cookie access_token_cookie",
    )
    # a token with a csrf claim, from the same key and clock (real time could be a second past nbf)
    config = AuthViewsConfig(secret_key=SECRET, token_location=["cookies"])
    other = AuthViews(config, clock=lambda: harness.clock[0])
    token = other.create_access_token("alice")
    path = f"/cookie-only?csrf_token={csrf_of(other, token)}"
    with harness.client.websocket_connect(path, headers=cookie("access_token_cookie", token)) as websocket:
        assert websocket.receive_text() == "hello alice"


def test_websocket_first_present_location_wins() -> None:
    harness = build(token_location=["query", "headers"])
    alice, bob = (harness.authviews.create_access_token(name) for name in ("alice", "bob"))
    headers = {"Authorization": f"Bearer {bob}"}
    with harness.client.websocket_connect(f"/echo?token={alice}", headers=headers) as websocket:
        assert websocket.receive_text() == "hello alice"


def test_websocket_malformed_header_never_falls_back_to_query() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    assert refused(harness.client, f"/echo?token={token}", headers={"Authorization": "Token x"}) == (
        POLICY_VIOLATION,
        "Bad Authorization header. Expected value 'Bearer <JWT>'",
    )


# -- the first message ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "send",
    [
        lambda ws, token: ws.send_text(token),
        lambda ws, token: ws.send_text(f"  {token}\n"),
        lambda ws, token: ws.send_json({"token": token}),
        lambda ws, token: ws.send_text(json.dumps({"token": token, "room": "lobby"}, indent=2)),
        lambda ws, token: ws.send_bytes(token.encode()),
    ],
    ids=["text", "padded-text", "json", "json-with-more", "bytes"],
)
def test_websocket_first_message_token_is_accepted(send: Callable[[Any, str], None]) -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect("/first") as websocket:
        send(websocket, token)
        assert websocket.receive_text() == "hello alice"
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        ("", NO_MESSAGE),
        ("   ", NO_MESSAGE),
        ("{}", NO_MESSAGE),
        ('{"token": ""}', NO_MESSAGE),
        ('{"token": 5}', NO_MESSAGE),
        ('{"token": ["x"]}', NO_MESSAGE),
        ("{not json", NO_MESSAGE),
        ('{"token": "garbage"}', "Not enough segments"),
        ("garbage", "Not enough segments"),
        ('["a", "b"]', "Not enough segments"),
        ("x" * 20_000, "Token is too large"),
    ],
)
def test_websocket_first_message_without_a_good_token_closes_1008(message: str, detail: str) -> None:
    harness = build()
    assert closed_after(lambda ws: ws.send_text(message), harness.client, "/first") == (
        POLICY_VIOLATION,
        detail,
    )


def test_websocket_first_message_binary_garbage_closes_1008() -> None:
    harness = build()
    code, reason = closed_after(lambda ws: ws.send_bytes(b"\xff\xfe\x00"), harness.client, "/first")
    assert (code, reason) == (POLICY_VIOLATION, "Not enough segments")


def test_websocket_first_message_query_token_is_not_read() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    code, reason = closed_after(lambda ws: ws.send_text("garbage"), harness.client, f"/first?token={token}")
    assert (code, reason) == (POLICY_VIOLATION, "Not enough segments")


def test_websocket_first_message_timeout_closes_1008(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locations_module, "FIRST_MESSAGE_TIMEOUT", 0.05)
    harness = build()
    assert closed_after(lambda ws: None, harness.client, "/first") == (POLICY_VIOLATION, NO_MESSAGE)


def test_websocket_first_message_client_leaving_early_is_no_server_error() -> None:
    harness = build()  # the TestClient re-raises any exception of the app
    with harness.client.websocket_connect("/first") as websocket:
        websocket.close()


# -- refusals: 1008 with the same detail as the HTTP 401 -----------------------------------------------------
def _token_for(case: str, harness: Harness) -> str | None:
    authviews = harness.authviews
    if case == "none":
        return None
    if case == "garbage":
        return "garbage"
    if case == "other-key":
        return AuthViews(AuthViewsConfig(secret_key=OTHER_SECRET)).create_access_token("alice")
    if case == "expired":
        return AuthViews(authviews.config, clock=lambda: harness.clock[0] - 3600).create_access_token("alice")
    if case == "refresh":
        return authviews.create_refresh_token("alice")
    token = authviews.create_access_token("alice")
    asyncio.run(authviews.revoke_token(token))
    return token


REFUSALS = {
    "none": "Missing Authorization Header or query parameter token",
    "garbage": "Not enough segments",
    "other-key": "Signature verification failed",
    "expired": "Signature has expired",
    "revoked": "Token has been revoked",
    "refresh": "Only access tokens are allowed",
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_websocket_refusal_closes_1008_with_the_http_detail(case: str) -> None:
    harness = build(token_location=["headers", "query"], blacklist_enabled=True)
    token = _token_for(case, harness)
    params = {} if token is None else {"token": token}
    http = harness.client.get("/http", params=params)
    assert http.status_code == 401
    assert http.json() == {"detail": REFUSALS[case]}
    path = "/echo" if token is None else f"/echo?token={token}"
    assert refused(harness.client, path) == (POLICY_VIOLATION, REFUSALS[case])


@pytest.mark.parametrize("case", ["garbage", "expired", "revoked", "refresh"])
def test_websocket_first_message_refusal_closes_1008_with_the_http_detail(case: str) -> None:
    harness = build(blacklist_enabled=True)
    token = _token_for(case, harness)
    assert token is not None
    assert closed_after(lambda ws: ws.send_text(token), harness.client, "/first") == (
        POLICY_VIOLATION,
        REFUSALS[case],
    )


def test_websocket_refresh_view_takes_refresh_tokens_only() -> None:
    harness = build()
    refresh = harness.authviews.create_refresh_token("alice")
    with harness.client.websocket_connect(f"/refresh?token={refresh}") as websocket:
        assert websocket.receive_text() == "hello alice"
    access = harness.authviews.create_access_token("alice")
    assert refused(harness.client, f"/refresh?token={access}") == (
        POLICY_VIOLATION,
        "Only refresh tokens are allowed",
    )


def test_websocket_optional_view_without_token_is_anonymous_with_bad_token_closes() -> None:
    harness = build()
    with harness.client.websocket_connect("/optional") as websocket:
        assert websocket.receive_text() == "hello None"
    assert refused(harness.client, "/optional?token=garbage") == (POLICY_VIOLATION, "Not enough segments")


@pytest.mark.parametrize("message", ["", "  ", "{}", '{"token": null}', '{"token": ""}', '{"room": "lobby"}'])
def test_websocket_optional_view_first_message_without_token_is_anonymous(message: str) -> None:
    harness = build()
    with harness.client.websocket_connect("/optional-first") as websocket:
        websocket.send_text(message)
        assert websocket.receive_text() == "hello None"


@pytest.mark.parametrize(
    ("message", "detail"),
    [("garbage", "Not enough segments"), ('{"token": 5}', NO_MESSAGE), ("{not json", NO_MESSAGE)],
)
def test_websocket_optional_view_first_message_with_bad_token_closes_1008(message: str, detail: str) -> None:
    harness = build()
    assert closed_after(lambda ws: ws.send_text(message), harness.client, "/optional-first") == (
        POLICY_VIOLATION,
        detail,
    )


def test_websocket_optional_view_first_message_with_token_is_identified() -> None:
    harness = build()
    with harness.client.websocket_connect("/optional-first") as websocket:
        websocket.send_json({"token": harness.authviews.create_access_token("alice")})
        assert websocket.receive_text() == "hello alice"


class _DownStore(MemoryRevocationStore):
    """A store that cannot answer once ``down`` is set."""

    down = False

    async def is_revoked(self, *ids: str) -> bool:
        if self.down:
            raise OSError("store down")
        return await super().is_revoked(*ids)


def test_websocket_revocation_store_down_closes_1011_at_the_handshake_and_while_open() -> None:
    """1008 means "authentication failed"; 1011 "cannot be checked right now" (the HTTP 503)."""
    store = _DownStore()
    app = FastAPI()
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True)
    authviews = AuthViews(config, store=store).install(app)

    class Chat(ProtectedView):
        @app.websocket("/chat")
        async def chat(self, websocket: WebSocket) -> None:
            await self.auth.accept()
            await self.auth.send_text("hello")
            await self.auth.send_text(await self.auth.receive_text())

    client, token = TestClient(app), authviews.create_access_token("alice")
    unavailable = (1011, "Token revocation store is unavailable")
    with client.websocket_connect(f"/chat?token={token}") as websocket:
        assert websocket.receive_text() == "hello"
        store.down = True
        websocket.send_text("hi")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == unavailable
    assert refused(client, f"/chat?token={token}") == unavailable


def test_websocket_long_missing_message_fits_a_close_frame() -> None:
    harness = build(
        header_name="X-A-Rather-Long-Authorization-Header-Name", token_location=["headers", "cookies"]
    )
    code, reason = refused(harness.client, "/echo")
    assert code == POLICY_VIOLATION
    assert len(reason.encode()) <= 123
    assert reason.startswith("Missing X-A-Rather-Long-Authorization-Header-Name Header or cookie")


# -- tokens that stop being valid while the socket is open ---------------------------------------------------
@pytest.mark.parametrize("op", sorted(SENDERS))
def test_websocket_token_expiring_while_open_closes_at_next_receive(op: str) -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect(f"/receive/{op}?token={token}") as websocket:
        websocket.send_text("go")
        SENDERS[op](websocket)
        assert websocket.receive_text() in ("'hi'", "{'a': [1]}", "b'\\x00hi'")
        harness.advance(15 * 60 + 1)
        websocket.send_text("go")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (POLICY_VIOLATION, "Signature has expired")


@pytest.mark.parametrize("op", sorted(RECEIVERS))
def test_websocket_token_expiring_while_open_closes_at_next_send(op: str) -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect(f"/send/{op}?token={token}") as websocket:
        websocket.send_text("go")
        assert RECEIVERS[op](websocket) == PAYLOADS[op]
        harness.advance(15 * 60 + 1)
        websocket.send_text("go")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (POLICY_VIOLATION, "Signature has expired")


@pytest.mark.parametrize("path", ["/receive/receive_text", "/send/send_text"])
def test_websocket_token_revoked_while_open_closes_at_next_call(path: str) -> None:
    harness = build(blacklist_enabled=True)
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect(f"{path}?token={token}") as websocket:
        websocket.send_text("go")
        if path.startswith("/receive"):
            websocket.send_text("hi")
        assert websocket.receive_text() in ("hi", "'hi'")
        asyncio.run(harness.authviews.revoke_token(token))
        websocket.send_text("go")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (POLICY_VIOLATION, "Token has been revoked")


def test_websocket_other_tokens_stay_open_after_one_is_revoked() -> None:
    harness = build(blacklist_enabled=True)
    revoked, kept = (harness.authviews.create_access_token(name) for name in ("alice", "bob"))
    with harness.client.websocket_connect(f"/send/send_text?token={kept}") as websocket:
        asyncio.run(harness.authviews.revoke_token(revoked))
        websocket.send_text("go")
        assert websocket.receive_text() == "hi"


def test_websocket_first_message_token_expiring_while_open_closes() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect("/first") as websocket:
        websocket.send_text(token)
        assert websocket.receive_text() == "hello alice"
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"
        harness.advance(15 * 60 + 1)
        websocket.send_text("too late")  # refused at the receive or at its echo, whichever runs first
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (POLICY_VIOLATION, "Signature has expired")


# -- the dependency form on a plain route --------------------------------------------------------------------
def _dependency_app(dependency: Callable[..., Any]) -> Harness:
    clock = [time.time()]
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET), clock=lambda: clock[0]).install(app)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, auth: AuthSession = Depends(dependency)) -> None:
        if websocket.application_state.name == "CONNECTING":  # the first-message form has accepted
            await websocket.accept()
        await auth.send_text(f"hello {auth.identity}")
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await auth.send_text(await auth.receive_text())

    return Harness(TestClient(app), authviews, clock)


def test_websocket_require_access_dependency_on_plain_route() -> None:
    harness = _dependency_app(require_access)
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect(f"/ws?token={token}") as websocket:
        assert websocket.receive_text() == "hello alice"
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"
        harness.advance(15 * 60 + 1)
        websocket.send_text("late")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (POLICY_VIOLATION, "Signature has expired")
    assert refused(harness.client, "/ws") == (
        POLICY_VIOLATION,
        "Missing Authorization Header or query parameter token",
    )
    refresh = harness.authviews.create_refresh_token("alice")
    assert refused(harness.client, f"/ws?token={refresh}") == (
        POLICY_VIOLATION,
        "Only access tokens are allowed",
    )


def test_websocket_require_with_message_location_on_plain_route() -> None:
    harness = _dependency_app(require("access", locations=["message"]))
    token = harness.authviews.create_access_token("alice")
    with harness.client.websocket_connect("/ws") as websocket:
        websocket.send_json({"token": token})
        assert websocket.receive_text() == "hello alice"
    assert closed_after(lambda ws: ws.send_text("{}"), harness.client, "/ws") == (
        POLICY_VIOLATION,
        NO_MESSAGE,
    )


def test_websocket_require_refresh_dependency_on_plain_route() -> None:
    harness = _dependency_app(require("refresh"))
    token = harness.authviews.create_refresh_token("alice")
    with harness.client.websocket_connect(f"/ws?token={token}") as websocket:
        assert websocket.receive_text() == "hello alice"


def test_websocket_session_helpers_refuse_http_connections() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with pytest.raises(RuntimeError, match="not a WebSocket"):
        _ = AuthSession(authviews, None).websocket


# -- hostile first messages and handshake refusals --------------------------------------------------------
def test_websocket_first_message_huge_closes_1008_before_parsing() -> None:
    harness = build()
    message = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert closed_after(lambda ws: ws.send_text(message), harness.client, "/first") == (
        POLICY_VIOLATION,
        "Token is too large",
    )


def test_websocket_first_message_deeply_nested_json_within_size_closes_1008() -> None:
    harness = build(max_token_size=40_000)
    message = '{"a": ' + "[" * 20_000 + "]" * 20_000 + "}"
    assert closed_after(lambda ws: ws.send_text(message), harness.client, "/first") == (
        POLICY_VIOLATION,
        NO_MESSAGE,
    )


def test_websocket_query_or_message_view_serves_both_with_one_handler() -> None:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
    router = APIRouter()

    @cbv(router)
    class Chat(ProtectedView, locations=["query", "message"]):
        @router.websocket("/chat")
        async def chat(self, websocket: WebSocket) -> None:
            await self.auth.send_text(f"hello {self.auth.identity}")

    app.include_router(router)
    client, token = TestClient(app), authviews.create_access_token("alice")
    with client.websocket_connect("/chat") as websocket:
        websocket.send_text(token)
        assert websocket.receive_text() == "hello alice"
    with client.websocket_connect(f"/chat?token={token}") as websocket:
        assert websocket.receive_text() == "hello alice"


def test_websocket_message_arriving_after_revocation_is_not_delivered() -> None:
    revoked: set[str] = set()
    checks = threading.Semaphore(0)

    def is_revoked(claims: dict[str, Any]) -> bool:  # released once per check, so the test knows when
        checks.release()
        return claims["jti"] in revoked

    app = FastAPI()
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True)
    authviews = AuthViews(config, is_revoked=is_revoked).install(app)
    router = APIRouter()
    delivered: list[str] = []

    @cbv(router)
    class Chat(ProtectedView):
        @router.websocket("/chat")
        async def chat(self, websocket: WebSocket) -> None:
            await websocket.accept()
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    delivered.append(await self.auth.receive_text())

    app.include_router(router)
    token = authviews.create_access_token("alice")
    with TestClient(app).websocket_connect(f"/chat?token={token}") as websocket:
        assert checks.acquire(timeout=5)  # the handshake
        assert checks.acquire(timeout=5)  # receive_text() has checked and is waiting
        revoked.add(authviews.codec.decode(token).claims["jti"])  # a logout elsewhere
        websocket.send_text("sent after logout")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (POLICY_VIOLATION, "Token has been revoked")
    assert delivered == []


def test_websocket_revoked_token_is_refused_under_an_injected_clock() -> None:
    app = FastAPI()
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True)
    authviews = AuthViews(config, clock=lambda: 1_000_000.0).install(app)
    router = APIRouter()

    @cbv(router)
    class Chat(ProtectedView):
        @router.websocket("/chat")
        async def chat(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")

    app.include_router(router)
    token = authviews.create_access_token("alice")
    asyncio.run(authviews.revoke_token(token))
    assert refused(TestClient(app), f"/chat?token={token}") == (POLICY_VIOLATION, "Token has been revoked")


async def _handshake(app: FastAPI, path: str) -> list[Message]:
    """What the app sends to an ASGI server for a WebSocket handshake to ``path`` without a token."""
    sent: list[Message] = []
    inbox: list[Message] = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return inbox.pop(0) if inbox else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
        "subprotocols": [],
        "extensions": {},
    }
    await app(scope, receive, send)
    return sent


def test_websocket_refusal_is_sent_after_accepting_so_real_clients_see_1008() -> None:
    harness = build()
    sent = asyncio.run(_handshake(harness.client.app, "/echo"))  # type: ignore[arg-type]
    assert [message["type"] for message in sent[:2]] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == POLICY_VIOLATION
    assert sent[1]["reason"] == "Missing Authorization Header or query parameter token"
