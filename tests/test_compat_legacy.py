"""fastapi-jwt-auth 0.5.0 code as its users wrote it: a module-level ``AuthJWT()``, reconfiguration between
tests with ``load_config`` and class attributes, short secrets, 0.5.0's module paths and messages."""

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError
from fastapi_jwt_views._compat_config import PROCESS, WeakSecretWarning
from fastapi_jwt_views.auth_config import AuthConfig
from fastapi_jwt_views.auth_jwt import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException

KEYS = Path(__file__).parent / "keys"
SECRET = secrets.token_hex(32)
pytestmark = pytest.mark.filterwarnings("ignore::fastapi_jwt_views._compat_config.WeakSecretWarning")


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> Iterator[None]:
    PROCESS.reset()
    yield
    PROCESS.reset()


@pytest.fixture(scope="module")
def Authorize() -> AuthJWT:
    return AuthJWT()


def _client(app: FastAPI | None = None) -> TestClient:
    app = app or FastAPI()

    @app.get("/protected")
    def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/optional")
    def optional(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_optional()
        return {"user": Authorize.get_jwt_subject()}

    return TestClient(app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- configuration at use time ----------------------------------------------------------------------------
def test_compat_legacy_module_level_authjwt_follows_a_later_load_config(Authorize: AuthJWT) -> None:
    first, second = secrets.token_hex(32), secrets.token_hex(32)
    AuthJWT.load_config(lambda: [("authjwt_secret_key", first)])
    token = Authorize.create_access_token(subject="test")
    AuthJWT.load_config(lambda: [("authjwt_secret_key", second)])
    response = _client().get("/protected", headers=_bearer(token))
    assert (response.status_code, response.json()) == (422, {"detail": "Signature verification failed"})
    assert _client().get("/protected", headers=_bearer(Authorize.create_access_token(subject=1))).json() == {
        "user": 1
    }


def test_compat_legacy_load_config_wins_over_the_environment(
    Authorize: AuthJWT, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    assert Authorize.get_raw_jwt(AuthViews(AuthViewsConfig(secret_key=SECRET)).create_access_token("x"))


def test_compat_legacy_unconfigured_app_serves_optional_routes() -> None:
    client = _client()
    assert client.get("/optional").json() == {"user": None}
    response = client.get("/protected")
    assert (response.status_code, response.json()) == (401, {"detail": "Missing Authorization Header"})


def test_compat_legacy_unconfigured_token_raises_0_5_0_runtime_error() -> None:
    token = AuthViews(AuthViewsConfig(secret_key=SECRET)).create_access_token("test")
    with pytest.raises(
        RuntimeError, match="authjwt_secret_key must be set when using symmetric algorithm HS256"
    ):
        _client().get("/protected", headers=_bearer(token))


def test_compat_legacy_installed_authviews_ignores_the_process_configuration() -> None:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
    AuthJWT.load_config(lambda: [("authjwt_secret_key", secrets.token_hex(32))])
    AuthJWT._header_name = "X-Other"
    client = _client(app)
    assert client.get("/protected", headers=_bearer(authviews.create_access_token("a"))).json() == {
        "user": "a"
    }


def test_compat_legacy_uninstalled_app_keeps_nothing_on_its_state() -> None:
    app = FastAPI()
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    client = _client(app)
    assert client.get("/optional").status_code == 200
    assert not hasattr(app.state, "fastapi_jwt_views")


# -- class attributes ---------------------------------------------------------------------------------------
def test_compat_legacy_class_attributes_read_0_5_0_defaults() -> None:
    assert AuthJWT._token_location == {"headers"}
    assert AuthJWT._secret_key is None
    assert AuthJWT._algorithm == "HS256"
    assert AuthJWT._denylist_enabled is False
    assert AuthJWT._access_token_expires == timedelta(minutes=15)
    assert AuthJWT._csrf_methods == {"POST", "PUT", "PATCH", "DELETE"}
    assert AuthJWT._token_in_denylist_callback is None
    assert AuthJWT._token is None


def test_compat_legacy_denylist_enabled_attribute_takes_effect(Authorize: AuthJWT) -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", "secret")])
    revoked: set[str] = set()
    AuthJWT.token_in_denylist_loader(lambda claims: claims["jti"] in revoked)
    token = Authorize.create_access_token(subject="test")
    revoked.add(Authorize.get_jti(token) or "")
    assert _client().get("/protected", headers=_bearer(token)).status_code == 200  # the denylist is off
    AuthJWT._denylist_enabled = True
    assert AuthJWT._denylist_enabled is True
    response = _client().get("/protected", headers=_bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})


@pytest.mark.parametrize(
    ("attribute", "value", "detail"),
    [
        ("_decode_audience", "urn:api", 'Token is missing the "aud" claim'),
        ("_decode_issuer", "urn:issuer", 'Token is missing the "iss" claim'),
        ("_header_name", "X-Token", "Missing X-Token Header"),
        ("_token_location", {"cookies"}, "Missing cookie access_token_cookie"),
        ("_secret_key", secrets.token_hex(32), "Signature verification failed"),
    ],
)
def test_compat_legacy_attribute_write_takes_effect(
    Authorize: AuthJWT, attribute: str, value: Any, detail: str
) -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    token = Authorize.create_access_token(subject="test")
    assert _client().get("/protected", headers=_bearer(token)).status_code == 200
    setattr(AuthJWT, attribute, value)
    assert getattr(AuthJWT, attribute) == value
    assert _client().get("/protected", headers=_bearer(token)).json() == {"detail": detail}


def test_compat_legacy_bad_attribute_write_raises_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="authjwt_token_location"):
        AuthJWT._token_location = {"body"}
    with pytest.raises(AttributeError, match="pass it to a guard"):
        AuthJWT._token = "x"


def test_compat_legacy_instance_attribute_shadows_for_that_instance_only() -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    own = AuthJWT()
    own._secret_key = other = secrets.token_hex(32)
    assert own._secret_key == other
    assert AuthJWT._secret_key == SECRET
    token = own.create_access_token(subject="test")
    assert AuthViews(AuthViewsConfig(secret_key=other)).codec.decode(token).claims["sub"] == "test"
    with pytest.raises(AuthJWTException, match="Signature verification failed"):
        AuthJWT().get_raw_jwt(token)


def test_compat_legacy_auth_config_is_the_shared_base() -> None:
    assert issubclass(AuthJWT, AuthConfig)
    AuthConfig.load_config(lambda: [("authjwt_secret_key", SECRET)])
    assert AuthJWT._secret_key == SECRET


# -- secrets -------------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("error::fastapi_jwt_views._compat_config.WeakSecretWarning")
def test_compat_legacy_short_secret_warns_at_load_config(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.warns(WeakSecretWarning, match="6 bytes long.*without logging anyone out") as warned:
        AuthJWT.load_config(lambda: [("authjwt_secret_key", "secret")])
    assert warned[0].filename == __file__
    assert "AUTHJWT_ALLOW_WEAK_SECRET=false" in caplog.text
    token = AuthJWT().create_access_token(subject="test")
    assert _client().get("/protected", headers=_bearer(token)).json() == {"user": "test"}


@pytest.mark.filterwarnings("error::fastapi_jwt_views._compat_config.WeakSecretWarning")
def test_compat_legacy_short_secret_silenced_when_allowed() -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", "secret"), ("authjwt_allow_weak_secret", True)])


@pytest.mark.parametrize("strict", ["settings", "environment"])
def test_compat_legacy_strict_setting_refuses_short_secret(
    monkeypatch: pytest.MonkeyPatch, strict: str
) -> None:
    class Settings(BaseSettings):
        authjwt_secret_key: str = "secret"

    if strict == "environment":
        monkeypatch.setenv("AUTHJWT_ALLOW_WEAK_SECRET", "false")
        settings: Any = Settings
    else:
        settings = lambda: [("authjwt_secret_key", "secret"), ("authjwt_allow_weak_secret", False)]  # noqa: E731
    with pytest.raises(ConfigurationError, match="AUTHJWT_SECRET_KEY is 6 bytes long"):
        AuthJWT.load_config(settings)


# -- asymmetric keys -----------------------------------------------------------------------------------------
def test_compat_legacy_private_key_only_issues_tokens() -> None:
    AuthJWT.load_config(
        lambda: [
            ("authjwt_algorithm", "RS256"),
            ("authjwt_private_key", (KEYS / "rsa_private.pem").read_text()),
        ]
    )
    token = AuthJWT().create_access_token(subject="test")
    verifier = AuthViewsConfig(algorithm="RS256", public_key=(KEYS / "rsa_public.pem").read_text())
    assert AuthViews(verifier).codec.decode(token).claims["sub"] == "test"
    with pytest.raises(
        RuntimeError, match="authjwt_public_key must be set when using asymmetric algorithm RS256"
    ):
        AuthJWT().get_raw_jwt(token)


def test_compat_legacy_public_key_only_verifies_tokens() -> None:
    signer = AuthViews(
        AuthViewsConfig(
            algorithm="RS256",
            private_key=(KEYS / "rsa_private.pem").read_text(),
            public_key=(KEYS / "rsa_public.pem").read_text(),
        )
    )
    AuthJWT.load_config(
        lambda: [
            ("authjwt_algorithm", "RS256"),
            ("authjwt_public_key", (KEYS / "rsa_public.pem").read_text()),
        ]
    )
    assert _client().get("/protected", headers=_bearer(signer.create_access_token("x"))).json() == {
        "user": "x"
    }
    with pytest.raises(RuntimeError, match="authjwt_private_key must be set when using asymmetric algorithm"):
        AuthJWT().create_access_token(subject="x")


def test_compat_legacy_no_key_loads_and_fails_at_use() -> None:
    AuthJWT.load_config(lambda: [("authjwt_algorithm", "RS256")])
    with pytest.raises(RuntimeError, match="authjwt_private_key"):
        AuthJWT().create_access_token(subject=1)
    with pytest.raises(RuntimeError, match=r"authjwt_p(rivate|ublic)_key must be set"):
        AuthJWT().authviews  # noqa: B018  (its stand-in key must never sign anything)


def test_compat_legacy_without_a_secret_nothing_signs_or_verifies() -> None:
    AuthJWT.load_config(lambda: [("authjwt_header_name", "X-Token")])
    authorize = AuthJWT()
    for attempt in (
        lambda: authorize.create_access_token(subject=1),
        lambda: authorize.create_refresh_token(subject=1, algorithm="HS512"),
        lambda: authorize.get_raw_jwt("a.b.c"),
        lambda: authorize.authviews,
    ):
        with pytest.raises(RuntimeError, match="authjwt_secret_key must be set"):
            attempt()


# -- 0.5.0's messages and types ------------------------------------------------------------------------------
def test_compat_legacy_messages_use_0_5_0_wording(Authorize: AuthJWT) -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET), ("authjwt_token_location", {"cookies"})])
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'subject'"):
        Authorize.create_access_token()
    with pytest.raises(ValueError, match=r"^Algorithm test could not be found$"):
        Authorize.create_access_token(subject=1, algorithm="test")
    with pytest.raises(TypeError, match=r"^max_age must be a integer$"):
        Authorize.set_access_cookies(Authorize.create_access_token(subject=1), max_age="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dictionary update sequence element"):
        Authorize.create_access_token(subject=1, headers="test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "guard", ["jwt_required", "jwt_optional", "jwt_refresh_token_required", "fresh_jwt_required"]
)
def test_compat_legacy_websocket_argument_must_be_a_websocket(Authorize: AuthJWT, guard: str) -> None:
    with pytest.raises(TypeError, match="request must be an instance of 'Request' or 'WebSocket'"):
        getattr(Authorize, guard)("websocket", websocket="test")


def test_compat_legacy_load_config_bad_value_is_pydantic_validation_error() -> None:
    with pytest.raises(ValidationError, match="authjwt_denylist_token_checks"):
        AuthJWT.load_config(lambda: [("authjwt_denylist_token_checks", ["access", "refreshh"])])
    with pytest.raises(TypeError, match="Config must be pydantic 'BaseSettings' or list of tuple"):
        AuthJWT.load_config(lambda: "test")


# -- settings 0.5.0 did not have come from the environment too (issue 15) ------------------------------------
def test_compat_legacy_status_codes_setting_from_environment_with_load_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Settings(BaseSettings):
        authjwt_secret_key: str = SECRET

    monkeypatch.setenv("AUTHJWT_LEGACY_STATUS_CODES", "false")
    AuthJWT.load_config(lambda: Settings())
    response = _client().get("/protected", headers=_bearer("not-a-token"))
    assert (response.status_code, response.json()) == (401, {"detail": "Not enough segments"})
    monkeypatch.delenv("AUTHJWT_LEGACY_STATUS_CODES")
    AuthJWT.load_config(lambda: Settings())
    assert _client().get("/protected", headers=_bearer("not-a-token")).status_code == 422


def test_compat_legacy_redis_url_refused_for_the_process_configuration() -> None:
    with pytest.raises(ConfigurationError, match="install AuthViews"):
        AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET), ("authjwt_redis_url", "redis://x:1/0")])


def test_compat_legacy_environment_without_load_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    assert os.environ["AUTHJWT_SECRET_KEY"] == SECRET
    token = AuthJWT().create_access_token(subject="env")
    assert _client().get("/protected", headers=_bearer(token)).json() == {"user": "env"}
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    assert _client().get("/protected", headers=_bearer(token)).status_code == 422


def test_compat_legacy_subclasses_work_as_dependencies() -> None:
    class WithHelper(AuthJWT):
        def user(self) -> Any:
            self.jwt_required()
            return self.get_jwt_subject()

    class WithInit(AuthJWT):
        def __init__(self, req: Request = None, res: Response = None) -> None:  # type: ignore[assignment]
            super().__init__(req, res)
            self.tag = "own"

    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    app = FastAPI()

    @app.get("/helper")
    async def helper(Authorize: WithHelper = Depends()) -> dict[str, Any]:
        return {"user": Authorize.user()}

    @app.get("/init")
    def init(Authorize: WithInit = Depends()) -> dict[str, Any]:
        Authorize.jwt_optional()  # built by hand from the request: verified without waiting
        return {"user": Authorize.get_jwt_subject(), "tag": Authorize.tag}

    client = TestClient(app)
    token = AuthJWT().create_access_token(subject="sub")
    assert client.get("/helper", headers=_bearer(token)).json() == {"user": "sub"}
    assert client.get("/init", headers=_bearer(token)).json() == {"user": "sub", "tag": "own"}
    assert client.get("/init").json() == {"user": None, "tag": "own"}


@pytest.mark.filterwarnings("error::fastapi_jwt_views._compat_config.WeakSecretWarning")
def test_compat_legacy_short_secret_from_environment_logged_at_first_use(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Built at a request, the configuration logs the weak secret rather than raise a warning there."""
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", "secret")
    token = AuthJWT().create_access_token(subject="env")
    assert _client().get("/protected", headers=_bearer(token)).json() == {"user": "env"}
    assert caplog.text.count("AuthJWT: the HMAC secret is 6 bytes long") == 1
