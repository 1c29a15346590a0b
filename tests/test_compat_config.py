"""Configuring ``AuthJWT``: ``load_config`` with pydantic-settings or a list of tuples, the ``AUTHJWT_*``
environment variables, all 32 options of fastapi-jwt-auth 0.5.0, and apps that install their own."""

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.compat import AuthJWT

SECRET = secrets.token_hex(32)
KEYS = Path(__file__).parent / "keys"


@pytest.fixture(autouse=True)
def _isolated_authjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config and the denylist loaders set process-wide state: each test gets its own."""
    PROCESS.reset()


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/user")
    def user(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/token")
    def token(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        return {"token": Authorize.create_access_token(subject="test")}

    return app


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_compat_config_pydantic_settings_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    class Settings(BaseSettings):
        authjwt_secret_key: SecretStr
        authjwt_access_token_expires: int = 300
        database_url: str = "sqlite://"  # other settings of the app are ignored

    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)

    @AuthJWT.load_config
    def get_config() -> Settings:
        return Settings()

    authorize = AuthJWT()
    assert authorize.authviews.config.secret_key == SECRET
    claims = authorize.get_raw_jwt(authorize.create_access_token(subject="test"))
    assert claims is not None
    assert claims["exp"] - claims["iat"] == 300


def test_compat_config_list_of_tuples_any_case() -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("authjwt_header_type", None),  # 0.5.0: a bare token
            ("authjwt_header_name", "X-Token"),
            ("unrelated", "ignored, as in 0.5.0"),
        ]

    client = TestClient(_app())
    token = client.get("/token").json()["token"]
    assert client.get("/user", headers={"X-Token": token}).json() == {"user": "test"}
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing X-Token Header"}
    response = client.get("/user", headers={"X-Token": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.json() == {"detail": "Bad X-Token header. Expected value '<JWT>'"}


def test_compat_config_load_config_returns_the_function() -> None:
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET)]

    assert AuthJWT.load_config(get_config) is get_config


@pytest.mark.parametrize("value", [None, "authjwt_secret_key=x", 42, [("a", "b", "c")], [1, 2]])
def test_compat_config_wrong_type_is_0_5_0_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="Config must be pydantic 'BaseSettings' or list of tuple"):
        AuthJWT.load_config(lambda: value)


def test_compat_config_environment_works_without_any_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("AUTHJWT_HEADER_NAME", "X-Auth")
    client = TestClient(_app())
    token = client.get("/token").json()["token"]
    assert client.get("/user", headers={"X-Auth": f"Bearer {token}"}).json() == {"user": "test"}
    assert AuthJWT().authviews.config.header_name == "X-Auth"


def test_compat_config_environment_default_keeps_no_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without load_config, AuthJWT() outside a request follows the environment as it is now."""
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    first = AuthJWT().authviews
    monkeypatch.setenv("AUTHJWT_ACCESS_TOKEN_EXPIRES", "60")
    second = AuthJWT().authviews
    assert second is not first
    assert second.config.access_token_expires == timedelta(seconds=60)


def test_compat_config_denylist_loader_alone_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("AUTHJWT_DENYLIST_ENABLED", "true")
    AuthJWT.token_in_denylist_loader(lambda claims: True)
    client = TestClient(_app())
    response = client.get("/user", headers=_bearer(client.get("/token").json()["token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}


def test_compat_config_load_config_again_applies_to_running_apps() -> None:
    """Process-wide, as in 0.5.0 (its "bigger app" docs): a new load_config reaches every app using it."""
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    client = TestClient(_app())
    token = client.get("/token").json()["token"]
    assert client.get("/user", headers=_bearer(token)).status_code == 200

    AuthJWT.load_config(lambda: [("authjwt_secret_key", secrets.token_hex(32))])
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "Signature verification failed"}
    assert client.get("/user", headers=_bearer(client.get("/token").json()["token"])).status_code == 200


def test_compat_config_two_apps_with_installed_configs_in_one_process() -> None:
    first, second = _app(), _app()
    AuthViews(AuthViewsConfig(secret_key=secrets.token_hex(32))).install(first)
    AuthViews(AuthViewsConfig(secret_key=secrets.token_hex(32), header_name="X-Second")).install(second)
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])  # process-wide: not for apps with their own
    one, two = TestClient(first), TestClient(second)
    token_one, token_two = one.get("/token").json()["token"], two.get("/token").json()["token"]
    assert one.get("/user", headers=_bearer(token_one)).json() == {"user": "test"}
    assert two.get("/user", headers={"X-Second": f"Bearer {token_two}"}).json() == {"user": "test"}
    assert one.get("/user", headers=_bearer(token_two)).status_code == 422
    assert two.get("/user", headers={"X-Second": f"Bearer {token_one}"}).status_code == 422
    assert two.get("/user", headers=_bearer(token_two)).json() == {"detail": "Missing X-Second Header"}


def test_compat_config_legacy_status_codes_switch_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("AUTHJWT_LEGACY_STATUS_CODES", "false")
    response = TestClient(_app()).get("/user", headers={"Authorization": "Basic x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad Authorization header. Expected value 'Bearer <JWT>'"}


class AllOptions(BaseModel):
    """Every option of fastapi-jwt-auth 0.5.0, set away from its default (validated values)."""

    authjwt_token_location: set[str] = {"headers", "cookies"}
    authjwt_secret_key: str = SECRET
    authjwt_public_key: str = (KEYS / "rsa_public.pem").read_text()
    authjwt_private_key: str = (KEYS / "rsa_private.pem").read_text()
    authjwt_algorithm: str = "HS512"
    authjwt_decode_algorithms: list[str] = ["HS512", "RS256"]
    authjwt_decode_leeway: timedelta = timedelta(seconds=5)
    authjwt_encode_issuer: str = "issuer"
    authjwt_decode_issuer: str = "issuer"
    authjwt_decode_audience: list[str] = ["aud"]
    authjwt_denylist_enabled: bool = True
    authjwt_denylist_token_checks: set[str] = {"refresh"}
    authjwt_header_name: str = "X-Token"
    authjwt_header_type: str = "JWT"
    authjwt_access_token_expires: int = 60
    authjwt_refresh_token_expires: timedelta = timedelta(days=1)
    authjwt_access_cookie_key: str = "access"
    authjwt_refresh_cookie_key: str = "refresh"
    authjwt_access_cookie_path: str = "/api"
    authjwt_refresh_cookie_path: str = "/refresh"
    authjwt_cookie_max_age: int = 600
    authjwt_cookie_domain: str = "example.com"
    authjwt_cookie_secure: bool = True
    authjwt_cookie_samesite: str = "strict"
    authjwt_cookie_csrf_protect: bool = False
    authjwt_access_csrf_cookie_key: str = "csrf_a"
    authjwt_refresh_csrf_cookie_key: str = "csrf_r"
    authjwt_access_csrf_cookie_path: str = "/a"
    authjwt_refresh_csrf_cookie_path: str = "/r"
    authjwt_access_csrf_header_name: str = "X-A"
    authjwt_refresh_csrf_header_name: str = "X-R"
    authjwt_csrf_methods: set[str] = {"POST", "DELETE"}


def test_compat_config_all_32_options_of_0_5_0_are_understood() -> None:
    assert len(AllOptions.model_fields) == 32

    @AuthJWT.load_config
    def get_config() -> AllOptions:
        return AllOptions()

    config = AuthJWT().authviews.config
    expected = AllOptions().model_dump()
    renamed = {"denylist_enabled": "blacklist_enabled", "denylist_token_checks": "blacklist_token_checks"}
    for name, value in expected.items():
        setting = name.removeprefix("authjwt_")
        actual = getattr(config, renamed.get(setting, setting))
        if isinstance(value, set):
            assert set(actual) == value, name
        elif isinstance(value, list):
            assert list(actual) == value, name
        elif name == "authjwt_access_token_expires":
            assert actual == timedelta(seconds=value)
        else:
            assert actual == value, name


def test_compat_config_none_fields_take_the_defaults_as_in_0_5_0() -> None:
    class Settings(BaseModel):
        authjwt_secret_key: str = SECRET
        authjwt_cookie_domain: str | None = None
        authjwt_access_token_expires: int | None = None

    AuthJWT.load_config(lambda: Settings())
    config = AuthJWT().authviews.config
    assert config.cookie_domain is None
    assert config.access_token_expires == timedelta(minutes=15)


def test_compat_config_jwt_in_cookies_and_headers() -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET), ("authjwt_token_location", ["cookies"])])
    authorize = AuthJWT()
    assert (authorize.jwt_in_cookies, authorize.jwt_in_headers) == (True, False)


def test_compat_config_bad_value_is_validation_error_naming_the_setting() -> None:
    """As in 0.5.0, pydantic's ValidationError (a ValueError), naming the setting."""
    with pytest.raises(ValidationError, match=r"authjwt_access_token_expires(.|\n)*only accepts False"):
        AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET), ("authjwt_access_token_expires", True)])
