"""Drives ``examples/websocket.py`` end to end."""

import importlib
import secrets
import sys
import time
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from fastapi_jwt_views import AuthViews


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.websocket", raising=False)
    return importlib.import_module("examples.websocket")


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


def _login(client: TestClient, user: str = "test") -> dict[str, str]:
    response = client.post("/login", json={"username": user, "password": user})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _refused(client: TestClient, path: str) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(path) as websocket:
        websocket.receive_text()
    return info.value.code, info.value.reason


def test_example_websocket_chat_with_query_token_echoes(client: TestClient) -> None:
    token = _login(client)["access_token"]
    with client.websocket_connect(f"/chat?token={token}") as websocket:
        assert websocket.receive_text() == "Welcome, test"
        websocket.send_text("hello")
        assert websocket.receive_text() == "test: hello"
        websocket.send_text("again")
        assert websocket.receive_text() == "test: again"


def test_example_websocket_chat_with_header_token_echoes(client: TestClient) -> None:
    token = _login(client)["access_token"]
    with client.websocket_connect("/chat", headers={"Authorization": f"Bearer {token}"}) as websocket:
        assert websocket.receive_text() == "Welcome, test"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "Missing Authorization Header or query parameter token"),
        ("?token=garbage", "Not enough segments"),
    ],
)
def test_example_websocket_chat_refusals_close_1008(client: TestClient, query: str, reason: str) -> None:
    assert _refused(client, f"/chat{query}") == (1008, reason)


def test_example_websocket_chat_refresh_token_closes_1008(client: TestClient) -> None:
    token = _login(client)["refresh_token"]
    assert _refused(client, f"/chat?token={token}") == (1008, "Only access tokens are allowed")


def test_example_websocket_chat_expired_token_closes_1008(client: TestClient, example: ModuleType) -> None:
    an_hour_ago = AuthViews(example.authviews.config, clock=lambda: time.time() - 3600)
    token = an_hour_ago.create_access_token("test")
    assert _refused(client, f"/chat?token={token}") == (1008, "Signature has expired")


@pytest.mark.parametrize("form", ["text", "json"])
def test_example_websocket_first_message_token_echoes(client: TestClient, form: str) -> None:
    token = _login(client)["access_token"]
    with client.websocket_connect("/chat/first-message") as websocket:
        if form == "json":
            websocket.send_json({"token": token})
        else:
            websocket.send_text(token)
        assert websocket.receive_text() == "Welcome, test"
        websocket.send_text("hello")
        assert websocket.receive_text() == "test: hello"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ('{"user": "test"}', "Missing token in the first WebSocket message"),
        ("garbage", "Not enough segments"),
    ],
)
def test_example_websocket_first_message_refusals_close_1008(
    client: TestClient, message: str, reason: str
) -> None:
    with client.websocket_connect("/chat/first-message") as websocket:
        websocket.send_text(message)
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (1008, reason)


def test_example_websocket_logout_closes_the_open_socket(client: TestClient) -> None:
    mine, other = _login(client)["access_token"], _login(client, "other")["access_token"]
    with (
        client.websocket_connect(f"/chat?token={mine}") as websocket,
        client.websocket_connect(f"/chat?token={other}") as others,
    ):
        assert websocket.receive_text() == "Welcome, test"
        assert others.receive_text() == "Welcome, other"
        response = client.delete("/logout", headers={"Authorization": f"Bearer {mine}"})
        assert response.json() == {"detail": "Access token revoked"}
        websocket.send_text("still there?")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
        others.send_text("still here")
        assert others.receive_text() == "other: still here"
    assert (info.value.code, info.value.reason) == (1008, "Token has been revoked")


def test_example_websocket_token_expiring_while_open_closes_the_socket(
    client: TestClient, example: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _login(client)["access_token"]
    with client.websocket_connect("/chat/first-message") as websocket:
        websocket.send_text(token)
        assert websocket.receive_text() == "Welcome, test"
        monkeypatch.setattr(example.authviews.codec, "clock", lambda: time.time() + 3600)  # an hour later
        websocket.send_text("still there?")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
    assert (info.value.code, info.value.reason) == (1008, "Signature has expired")
