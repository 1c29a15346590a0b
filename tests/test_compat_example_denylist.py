"""Drives fastapi-jwt-auth's denylist examples in ``examples/fastapi_jwt_auth/``: in memory, and in a real
Redis server through a synchronous ``redis.Redis`` client, and the async fork's denylist example."""

import importlib
import secrets
import sys
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views._compat_config import PROCESS
from tests.redis_server import RedisServer


def _example(monkeypatch: pytest.MonkeyPatch, name: str, **environment: str) -> ModuleType:
    PROCESS.reset()
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delitem(sys.modules, f"examples.fastapi_jwt_auth.{name}", raising=False)
    return importlib.import_module(f"examples.fastapi_jwt_auth.{name}")


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> None:
    PROCESS.reset()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _revoke_both_and_check(client: TestClient) -> None:
    tokens = client.post("/login", json={"username": "test", "password": "test"}).json()
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    assert client.get("/protected", headers=_bearer(access)).json() == {"user": "test"}
    assert client.delete("/access-revoke", headers=_bearer(access)).status_code == 200
    response = client.get("/protected", headers=_bearer(access))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})
    new_access = client.post("/refresh", headers=_bearer(refresh)).json()["access_token"]
    assert client.get("/protected", headers=_bearer(new_access)).status_code == 200
    assert client.delete("/refresh-revoke", headers=_bearer(refresh)).status_code == 200
    response = client.post("/refresh", headers=_bearer(refresh))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})


def test_compat_example_denylist_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    _revoke_both_and_check(TestClient(_example(monkeypatch, "denylist").app))


def test_compat_example_denylist_redis_sync_client(
    monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer
) -> None:
    example = _example(monkeypatch, "denylist_redis", REDIS_URL=redis_server.url)
    try:
        _revoke_both_and_check(TestClient(example.app))
    finally:
        example.redis_conn.close()


def test_compat_example_denylist_redis_down_fails_closed(
    monkeypatch: pytest.MonkeyPatch, start_redis: object
) -> None:
    server = start_redis()  # type: ignore[operator]
    example = _example(monkeypatch, "denylist_redis", REDIS_URL=server.url)
    try:
        client = TestClient(example.app)
        access = client.post("/login", json={"username": "test", "password": "test"}).json()["access_token"]
        server.kill()
        response = client.get("/protected", headers=_bearer(access))
        assert response.status_code == 503
        assert response.json() == {"detail": "Token revocation store is unavailable"}
    finally:
        example.redis_conn.close()


def test_compat_example_async_fork_denylist_and_bearer(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(_example(monkeypatch, "async_fork").app)
    tokens = client.post("/login", json={"username": "test", "password": "test"}).json()
    access = tokens["access_token"]
    assert client.get("/user", headers=_bearer(access)).json() == {"user": "test"}
    assert client.delete("/access-revoke", headers=_bearer(access)).status_code == 200
    response = client.get("/user", headers=_bearer(access))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})
    new_access = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/user", headers=_bearer(new_access)).json() == {"user": "test"}
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes == {"AuthJWTBearer": {"type": "http", "scheme": "bearer"}}
