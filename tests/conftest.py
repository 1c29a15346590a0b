import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.redis_server import RedisServer


@pytest.fixture(autouse=True)
def _clean_authjwt_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AUTHJWT_* variable of the machine or of another test leaks into a test."""
    for name in list(os.environ):
        if name.upper().startswith("AUTHJWT_"):
            monkeypatch.delenv(name)


REDIS_FIXTURES = frozenset({"redis_server", "start_redis", "redis_prefix"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``redis`` every test that uses a Redis fixture, directly or through another fixture.

    ``.ci/run`` runs ``pytest -m redis`` a second time with another server version (6.x and 7.x).
    """
    for item in items:
        if REDIS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.redis)


# -- a real redis-server (tests/redis_server.py); no binary means these tests fail, never skip ----------
@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One server shared by the tests that neither stop nor restart it (each uses its own key prefix)."""
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own, so tests sharing ``redis_server`` never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Start a server of this test's own (which it may kill and restart); all are stopped at the end."""
    servers: list[RedisServer] = []

    def start(*, appendonly: bool = False) -> RedisServer:
        server = RedisServer(tmp_path / f"redis{len(servers)}", appendonly=appendonly)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
