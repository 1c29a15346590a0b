"""Drives ``examples/settings.py`` end to end, with a ``.env`` file written by the test."""

import importlib
import secrets
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, ConfigurationError

SECRET = secrets.token_hex(32)
ISSUER = "https://auth.example.com"


def _import(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dotenv: str) -> ModuleType:
    env_file = tmp_path / "test.env"
    env_file.write_text(dotenv)
    monkeypatch.setenv("EXAMPLE_ENV_FILE", str(env_file))
    monkeypatch.delitem(sys.modules, "examples.settings", raising=False)
    return importlib.import_module("examples.settings")


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    dotenv = (
        f"AUTHJWT_SECRET_KEY={SECRET}\nAUTHJWT_ACCESS_TOKEN_EXPIRES=60\n"
        f"AUTHJWT_ENCODE_ISSUER={ISSUER}\nAUTHJWT_DECODE_ISSUER={ISSUER}\nDATABASE_URL=sqlite://\n"
    )
    return _import(monkeypatch, tmp_path, dotenv)


def test_example_settings_reads_the_env_file(example: ModuleType) -> None:
    config = example.authviews.config
    assert config.secret_key == SECRET
    assert config.access_token_expires.total_seconds() == 60
    assert (config.encode_issuer, config.decode_issuer) == (ISSUER, ISSUER)
    assert "SecretStr" not in repr(config)


def test_example_settings_tokens_carry_the_configured_claims(example: ModuleType) -> None:
    client = TestClient(example.app)
    token = client.post("/login", json={"username": "test", "password": "test"}).json()["access_token"]
    response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"user": "test", "issuer": ISSUER}
    claims = example.authviews.codec.decode(token).claims
    assert claims["exp"] - claims["iat"] == 60


def test_example_settings_other_issuer_is_401(example: ModuleType) -> None:
    elsewhere = "https://elsewhere.example.com"
    other = example.authviews.config.replace(encode_issuer=elsewhere, decode_issuer=elsewhere)
    token = AuthViews(other).create_access_token("test")
    response = TestClient(example.app).get("/user", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid issuer"}


def test_example_settings_environment_overrides_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUTHJWT_ACCESS_TOKEN_EXPIRES", "120")
    dotenv = f"AUTHJWT_SECRET_KEY={SECRET}\nAUTHJWT_ACCESS_TOKEN_EXPIRES=60\n"
    example = _import(monkeypatch, tmp_path, dotenv)
    assert example.authviews.config.access_token_expires.total_seconds() == 120


def test_example_settings_weak_secret_in_file_fails_at_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_SECRET_KEY is 6 bytes long"):
        _import(monkeypatch, tmp_path, "AUTHJWT_SECRET_KEY=secret\n")
