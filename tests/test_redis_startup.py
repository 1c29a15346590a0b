"""A wrong ``AUTHJWT_REDIS_URL`` stops the application at start-up, naming the setting and the cause (never
the password), against real redis-servers; ``AUTHJWT_REDIS_STARTUP_CHECK=false`` starts anyway."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
import redis
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError, ProtectedView, cbv
from tests.redis_server import RedisServer, free_port

SECRET = "u" * 32
PASSWORD = "hunter2-do-not-print"


@pytest.fixture
def protected(start_redis: Callable[..., RedisServer]) -> Iterator[RedisServer]:
    """A server of its own that requires ``PASSWORD``."""
    server = start_redis()
    with redis.Redis(port=server.port) as client:
        client.config_set("requirepass", PASSWORD)
    yield server


def _app(url: str, **settings: object) -> tuple[FastAPI, AuthViews]:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, redis_url=url, **settings)
    app = FastAPI()
    authviews = AuthViews(config).install(app)
    router = APIRouter()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/me")
        async def me(self) -> dict[str, object]:
            return {"user": self.auth.identity}

        @router.post("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "revoked"}

    app.include_router(router)
    return app, authviews


@pytest.mark.parametrize(
    ("password", "path", "cause"),
    [
        ("wrong-password", "/0", "wrong password (or user name) in the URL"),
        (None, "/0", "Redis requires a password and the URL gives none"),
        (PASSWORD, "/99", "the URL's database number does not exist on this server"),
    ],
    ids=["wrong-password", "missing-password", "wrong-database"],
)
def test_redis_startup_bad_url_stops_the_app_naming_the_setting_and_cause(
    protected: RedisServer, password: str | None, path: str, cause: str
) -> None:
    credentials = f":{password}@" if password else ""
    app, _ = _app(f"redis://{credentials}127.0.0.1:{protected.port}{path}")
    with pytest.raises(ConfigurationError) as raised, TestClient(app):
        pass
    message = str(raised.value)
    assert message.startswith(f"AUTHJWT_REDIS_URL: cannot use Redis at 127.0.0.1:{protected.port}, db")
    assert cause in message
    assert PASSWORD not in message and "wrong-password" not in message


def test_redis_startup_nothing_listening_stops_the_app() -> None:
    port = free_port()
    app, _ = _app(f"redis://:{PASSWORD}@127.0.0.1:{port}/0")
    with (
        pytest.raises(ConfigurationError, match="nothing listens at this host and port") as raised,
        TestClient(app),
    ):
        pass
    assert "AUTHJWT_REDIS_URL" in str(raised.value) and PASSWORD not in str(raised.value)


def test_redis_startup_good_url_starts_and_serves(protected: RedisServer) -> None:
    app, authviews = _app(f"redis://:{PASSWORD}@127.0.0.1:{protected.port}/0")
    with TestClient(app) as client:
        token = authviews.create_access_token("ann")
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).json() == {"user": "ann"}


def test_redis_startup_check_off_starts_while_redis_is_down_then_recovers(
    start_redis: Callable[..., RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_redis()
    server.kill()
    app, authviews = _app(server.url, redis_startup_check=False)
    token = authviews.create_access_token("ann")
    with caplog.at_level(logging.WARNING, "fastapi_jwt_views"), TestClient(app) as client:
        assert "AUTHJWT_REDIS_STARTUP_CHECK=false" in caplog.text
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 503
        server.start()  # the orchestrator starts Redis later
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).json() == {"user": "ann"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_redis_startup_check_is_on_by_default_and_read_from_the_environment() -> None:
    assert AuthViewsConfig(secret_key=SECRET).redis_startup_check is True
    environ = {"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_REDIS_STARTUP_CHECK": "false"}
    assert AuthViewsConfig.from_env(environ).redis_startup_check is False


@pytest.mark.parametrize("granted", [False, True], ids=["no-channel", "channel-granted"])
def test_redis_startup_acl_user_without_the_revocation_channel_stops_the_app(
    start_redis: Callable[..., RedisServer], granted: bool
) -> None:
    """Every revocation is published on ``<prefix>revoked``: without that channel every logout would fail
    (Redis 7 gives a new ACL user no channels), so the app does not start."""
    server = start_redis()
    channel = "fastapi_jwt_views:revoked"
    rules = ["on", f">{PASSWORD}", "~*", "+@all", "resetchannels"] + ([f"&{channel}"] if granted else [])
    with redis.Redis(port=server.port) as admin:
        admin.execute_command("ACL", "SETUSER", "app", *rules)
    app, authviews = _app(f"redis://app:{PASSWORD}@127.0.0.1:{server.port}/0")
    if not granted:
        with pytest.raises(ConfigurationError) as raised, TestClient(app):
            pass
        message = str(raised.value)
        assert message.startswith("AUTHJWT_REDIS_URL: the Redis user at 127.0.0.1:")
        assert f"ACL SETUSER <user> &{channel}" in message and PASSWORD not in message
        return
    with TestClient(app) as client:
        token = authviews.create_access_token("ann")
        assert client.get("/me", headers=_bearer(token)).json() == {"user": "ann"}
        assert client.post("/logout", headers=_bearer(token)).status_code == 200
        assert client.get("/me", headers=_bearer(token)).status_code == 401
