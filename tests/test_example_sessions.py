"""Drives ``examples/sessions.py`` end to end."""

import importlib
import secrets
import sys

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.sessions", raising=False)
    return TestClient(importlib.import_module("examples.sessions").app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient, device: str) -> dict[str, str]:
    response = client.post(
        "/login", json={"username": "test", "password": "test"}, headers={"User-Agent": device}
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_example_sessions_bad_password_is_refused(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "nope"})
    assert response.status_code == 401


def test_example_sessions_refresh_rotates_and_replay_ends_the_login(client: TestClient) -> None:
    login = _login(client, "phone")
    rotated = client.post("/refresh", headers=_bearer(login["refresh_token"])).json()
    assert rotated["refresh_token"] != login["refresh_token"]
    assert client.get("/user", headers=_bearer(rotated["access_token"])).json() == {"user": "test"}
    replay = client.post("/refresh", headers=_bearer(login["refresh_token"]))
    assert replay.status_code == 401
    assert replay.json()["detail"].startswith("Refresh token reuse detected")
    assert client.get("/user", headers=_bearer(rotated["access_token"])).status_code == 401


def test_example_sessions_list_and_end_one(client: TestClient) -> None:
    phone = _login(client, "phone")
    laptop = _login(client, "laptop")
    listed = client.get("/sessions", headers=_bearer(laptop["access_token"])).json()
    assert sorted(session["device"] for session in listed) == ["laptop", "phone"]
    assert [session["current"] for session in listed if session["device"] == "laptop"] == [True]
    (phone_session,) = [session["id"] for session in listed if session["device"] == "phone"]
    ended = client.delete(f"/sessions/{phone_session}", headers=_bearer(laptop["access_token"]))
    assert ended.json() == {"detail": "Session ended"}
    assert client.get("/user", headers=_bearer(phone["access_token"])).status_code == 401
    assert client.post("/refresh", headers=_bearer(phone["refresh_token"])).status_code == 401
    assert client.get("/user", headers=_bearer(laptop["access_token"])).status_code == 200
    again = client.delete(f"/sessions/{phone_session}", headers=_bearer(laptop["access_token"]))
    assert again.json() == {"detail": "Session ended"}  # a retried DELETE answers as the first did
    unknown = client.delete("/sessions/not-a-session", headers=_bearer(laptop["access_token"]))
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "No such session"})


def test_example_sessions_log_out_everywhere(client: TestClient) -> None:
    logins = [_login(client, device) for device in ("phone", "laptop", "tablet")]
    response = client.delete("/sessions", headers=_bearer(logins[0]["access_token"]))
    assert response.json() == {"detail": "Logged out everywhere", "sessions": 3}
    for login in logins:
        assert client.get("/user", headers=_bearer(login["access_token"])).status_code == 401
        assert client.post("/refresh", headers=_bearer(login["refresh_token"])).status_code == 401


def test_example_sessions_limit_per_user_counts_ended_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SESSIONS_PER_IDENTITY", "2")
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.sessions", raising=False)
    client = TestClient(importlib.import_module("examples.sessions").app)
    first = _login(client, "phone")
    assert client.delete("/sessions", headers=_bearer(first["access_token"])).status_code == 200
    _login(client, "laptop")  # the ended session still holds a slot while its tokens could live
    refused = client.post("/login", json={"username": "test", "password": "test"})
    assert (refused.status_code, refused.json()) == (
        429,
        {"detail": "Too many login sessions for this user; try again later"},
    )
