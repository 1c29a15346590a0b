"""Drives ``examples/redis_app.py`` in-process against a real redis-server (see tests/redis_server.py)."""

import importlib
import os
import secrets
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
import redis
from fastapi.testclient import TestClient

from fastapi_jwt_views import ConfigurationError
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

SECRET = secrets.token_hex(32)


def _import() -> ModuleType:
    sys.modules.pop("examples.redis_app", None)
    return importlib.import_module("examples.redis_app")


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer, redis_prefix: str) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("AUTHJWT_REDIS_URL", redis_server.url)
    monkeypatch.setenv("AUTHJWT_REDIS_KEY_PREFIX", redis_prefix)
    monkeypatch.delitem(sys.modules, "examples.redis_app", raising=False)
    return _import()


@pytest.fixture
def client(example: ModuleType) -> Iterator[TestClient]:
    with TestClient(example.app) as client:  # one event loop for the store; its shutdown closes the store
        yield client


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator["redis.Redis"]:
    with redis.Redis.from_url(redis_server.url) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_example_redis_app_uses_the_redis_store_with_revocation_on(
    example: ModuleType, redis_prefix: str
) -> None:
    assert example.authviews.config.blacklist_enabled is True
    assert isinstance(example.authviews.store, RedisRevocationStore)
    assert example.authviews.store.prefix == redis_prefix


def test_example_redis_app_without_redis_url_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.delitem(sys.modules, "examples.redis_app", raising=False)
    with pytest.raises(ConfigurationError, match="AUTHJWT_REDIS_URL"):
        _import()


def test_example_redis_app_user_names_the_worker(client: TestClient) -> None:
    response = client.get("/user", headers=_bearer(_login(client)["access_token"]))
    assert response.status_code == 200
    assert response.json() == {"user": "test", "worker": os.getpid()}
    assert response.headers["X-Worker"] == str(os.getpid())


def test_example_redis_app_bad_password_is_401(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad username or password"}


def test_example_redis_app_logout_revokes_in_redis(
    client: TestClient, redis_client: "redis.Redis", redis_prefix: str
) -> None:
    tokens = _login(client)
    response = client.post("/logout", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json() == {"detail": "Access token revoked", "worker": os.getpid()}

    response = client.get("/user", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}
    assert response.headers["X-Worker"] == str(os.getpid())
    keys = redis_client.keys(f"{redis_prefix}*")
    assert len(keys) == 1 and keys[0].startswith(f"{redis_prefix}revoked:".encode())
    assert 14 * 60 < redis_client.ttl(keys[0]) <= 15 * 60  # the access token's remaining life

    other = _login(client)["access_token"]  # another login stays valid
    assert client.get("/user", headers=_bearer(other)).status_code == 200


def test_example_redis_app_revocation_is_seen_by_another_instance(
    example: ModuleType, client: TestClient
) -> None:
    """A second import is what a second worker process is: its own AuthViews, store and connections."""
    token = _login(client)["access_token"]
    second = _import()
    assert second.store is not example.store
    with TestClient(second.app) as other:
        assert other.get("/user", headers=_bearer(token)).status_code == 200
        assert client.post("/logout", headers=_bearer(token)).status_code == 200
        response = other.get("/user", headers=_bearer(token))
        assert response.status_code == 401
        assert response.json() == {"detail": "Token has been revoked"}
