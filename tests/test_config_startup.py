"""Start-up checks of a whole configuration: settings under which the app refuses its own tokens fail when
the configuration is built, guessable secrets are logged, and pydantic-settings objects do not drop
``AUTHJWT_*`` variables silently."""

from __future__ import annotations

import base64
import logging
import random
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError, _startup
from fastapi_jwt_views._startup import KNOWN_SECRETS, estimated_bits, shortest_token

KEYS = Path(__file__).parent / "keys"
SECRET = secrets.token_hex(32)


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


# -- the signing algorithm and the allow-list ---------------------------------------------------------------
def test_config_algorithm_missing_from_decode_algorithms_raises() -> None:
    with pytest.raises(
        ConfigurationError, match=r"AUTHJWT_ALGORITHM HS256 is missing from AUTHJWT_DECODE_ALG"
    ):
        AuthViewsConfig(secret_key=SECRET, algorithm="HS256", decode_algorithms=["HS384", "HS512"])


def test_config_algorithm_missing_from_decode_algorithms_from_env_raises() -> None:
    environ = {
        "AUTHJWT_SECRET_KEY": SECRET,
        "AUTHJWT_ALGORITHM": "HS512",
        "AUTHJWT_DECODE_ALGORITHMS": "HS256",
    }
    with pytest.raises(ConfigurationError, match="AUTHJWT_DECODE_ALGORITHMS"):
        AuthViewsConfig.from_env(environ)


@pytest.mark.parametrize(
    ("decode_algorithms", "algorithm"),
    [(["HS384", "HS512"], "HS384"), ({"HS512", "HS384"}, "HS384"), (None, "HS256"), (["HS512"], "HS512")],
)
def test_config_algorithm_unset_is_the_first_decode_algorithm(decode_algorithms: Any, algorithm: str) -> None:
    config = AuthViewsConfig(secret_key=SECRET, decode_algorithms=decode_algorithms)
    assert config.algorithm == algorithm
    authviews = AuthViews(config)
    assert authviews.codec.decode(authviews.create_access_token("alice")).claims["sub"] == "alice"


def test_config_replace_algorithm_keeps_decode_algorithms_in_step() -> None:
    config = AuthViewsConfig(secret_key=SECRET).replace(algorithm="HS512")
    assert (config.algorithm, config.decode_algorithms) == ("HS512", ("HS512",))
    config = AuthViewsConfig(secret_key=SECRET).replace(decode_algorithms=["HS384"])
    assert (config.algorithm, config.decode_algorithms) == ("HS384", ("HS384",))


# -- audience and issuer the app would refuse -----------------------------------------------------------
@pytest.mark.parametrize(
    ("encode", "decode"),
    [("api", None), ("api", "web"), (["api", "web"], ["mobile"]), (["api"], None)],
)
def test_config_encode_audience_not_accepted_raises(encode: Any, decode: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"AUTHJWT_ENCODE_AUDIENCE .* AUTHJWT_DECODE_AUDIENCE"):
        AuthViewsConfig(secret_key=SECRET, encode_audience=encode, decode_audience=decode)


@pytest.mark.parametrize(("encode", "decode"), [("api", "api"), (["api", "web"], "web"), (None, "api")])
def test_config_encode_audience_accepted_builds(encode: Any, decode: Any) -> None:
    AuthViewsConfig(secret_key=SECRET, encode_audience=encode, decode_audience=decode)


def test_config_encode_issuer_other_than_decode_issuer_raises() -> None:
    with pytest.raises(ConfigurationError, match=r"AUTHJWT_ENCODE_ISSUER .* AUTHJWT_DECODE_ISSUER"):
        AuthViewsConfig(
            secret_key=SECRET, encode_issuer="https://a.example", decode_issuer="https://b.example"
        )


@pytest.mark.parametrize(
    ("encode", "decode"), [("https://a", None), (None, "https://a"), ("https://a", "https://a")]
)
def test_config_issuers_that_agree_build(encode: Any, decode: Any) -> None:
    AuthViewsConfig(secret_key=SECRET, encode_issuer=encode, decode_issuer=decode)


# -- max_token_size below what the app issues ----------------------------------------------------------------
@pytest.mark.parametrize("max_token_size", [64, 200, 250])
def test_config_max_token_size_below_shortest_token_raises(max_token_size: int) -> None:
    with pytest.raises(
        ConfigurationError, match=f"AUTHJWT_MAX_TOKEN_SIZE is {max_token_size} but the shortest"
    ):
        AuthViewsConfig(secret_key=SECRET, max_token_size=max_token_size)


def test_config_max_token_size_counts_issuer_and_audience() -> None:
    settings = {"secret_key": SECRET, "encode_audience": "a" * 500, "decode_audience": "a" * 500}
    with pytest.raises(ConfigurationError, match="AUTHJWT_MAX_TOKEN_SIZE is 700"):
        AuthViewsConfig(max_token_size=700, **settings)
    AuthViewsConfig(max_token_size=1500, **settings)


def test_config_max_token_size_of_a_verify_only_app_is_not_checked() -> None:
    AuthViewsConfig(algorithm="RS256", public_key=_pem("rsa_public.pem"), max_token_size=64)


CONFIGS = {
    "HS256": {"secret_key": SECRET},
    "HS512": {"secret_key": SECRET, "algorithm": "HS512"},
    "HS256-no-csrf-no-exp": {
        "secret_key": SECRET,
        "cookie_csrf_protect": False,
        "access_token_expires": False,
        "refresh_token_expires": False,
    },
    "HS256-iss-aud": {
        "secret_key": SECRET,
        "encode_issuer": "https://issuer.example",
        "encode_audience": ["a", "b"],
        "decode_audience": "a",
    },
    "ES256": {
        "algorithm": "ES256",
        "private_key": _pem("ec_private.pem"),
        "public_key": _pem("ec_public.pem"),
    },
    "EdDSA": {
        "algorithm": "EdDSA",
        "private_key": _pem("ed25519_private.pem"),
        "public_key": _pem("ed25519_public.pem"),
    },
    "RS256": {
        "algorithm": "RS256",
        "private_key": _pem("rsa_private.pem"),
        "public_key": _pem("rsa_public.pem"),
    },
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_shortest_token_is_a_lower_bound_exact_for_fixed_size_signatures(name: str, token_type: str) -> None:
    config = AuthViewsConfig(**CONFIGS[name])
    authviews = AuthViews(config)
    create = authviews.create_access_token if token_type == "access" else authviews.create_refresh_token
    token = create("", fresh=True) if token_type == "access" else create("")
    estimate = shortest_token(config, token_type)
    if name == "RS256":  # a lower bound: 1024-bit keys are assumed
        assert estimate <= len(token)
    else:
        assert estimate == len(token)


# -- secrets that are long enough but guessable -------------------------------------------------------------
GUESSABLE = {
    "one-character": "a" * 32,
    "repeated-word": "secret" * 6,
    "padded-word": "password" + "0" * 24,
    "padded-word-2": "mysecretkey" + "!" * 21,
    "sequence": "abcdefghijklmnopqrstuvwxyz012345",
    "digits": "0123456789" * 4,
    "non-ascii": "é" * 16,
    "bytes": b"\x00" * 64,
    "docs-example": "change-me-to-32-random-bytes-or-more",
    "migrating-example": "a-secret-of-at-least-32-bytes-for-hs256!",
}


@pytest.fixture(autouse=True)
def _forget_logged_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Warnings are logged once per secret and process: start each test as a fresh process would."""
    monkeypatch.setattr(_startup, "_logged", set())


@pytest.mark.parametrize("name", sorted(GUESSABLE))
def test_config_guessable_secret_logs_a_warning(name: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_jwt_views"):
        AuthViewsConfig(secret_key=GUESSABLE[name])
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith("AUTHJWT_SECRET_KEY ")
    assert "secrets.token_hex(32)" in messages[0]


def test_config_guessable_secret_is_logged_once_however_often_it_is_built(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_jwt_views"):
        config = AuthViewsConfig(secret_key="z" * 32)
        config.replace(access_token_expires=60)
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": "z" * 32})
        AuthViewsConfig(secret_key="y" * 32)
    assert [record.getMessage()[:40] for record in caplog.records] == [
        "AUTHJWT_SECRET_KEY looks guessable (repe"
    ] * 2


_RANDOM = random.Random(7)  # seeded: the same "random" secrets on every run, so no run is unlucky


@pytest.mark.parametrize(
    "secret",
    [
        *(_RANDOM.randbytes(16).hex() for _ in range(20)),
        _RANDOM.randbytes(32).hex(),
        base64.urlsafe_b64encode(_RANDOM.randbytes(32)).decode(),
        _RANDOM.randbytes(32),
        _RANDOM.randbytes(64),
    ],
    ids=[*(f"hex16-{index}" for index in range(20)), "hex32", "urlsafe32", "bytes32", "bytes64"],
)
def test_config_random_secret_logs_nothing(secret: str | bytes, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_jwt_views"):
        AuthViewsConfig(secret_key=secret, algorithm="HS256")
    assert caplog.records == []


def test_config_random_hex_secrets_estimate_above_the_threshold() -> None:
    # Over 100,000 secrets.token_hex(16) the lowest estimate seen was 66.7 bits; these 2,000 are fixed.
    generator = random.Random(11)
    lowest = min(estimated_bits(generator.randbytes(16).hex().encode()) for _ in range(2000))
    assert lowest > _startup.MIN_SECRET_BITS


def test_config_known_secrets_are_lower_case() -> None:
    assert all(secret == secret.lower() for secret in KNOWN_SECRETS)


def test_config_weak_secret_opt_out_logs_the_short_key(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_jwt_views"):
        AuthViewsConfig(secret_key="Xq9#", allow_weak_secret=True)
    messages = [record.getMessage() for record in caplog.records]
    assert any(
        "4 bytes long" in message and "AUTHJWT_ALLOW_WEAK_SECRET=true" in message for message in messages
    )


def test_config_asymmetric_only_has_no_secret_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_jwt_views"):
        AuthViewsConfig(**CONFIGS["ES256"])
    assert caplog.records == []


# -- pydantic-settings objects: AUTHJWT_* variables they ignored --------------------------------------------
class IgnoringSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    authjwt_secret_key: str = SECRET
    authjwt_access_token_expires: int = 900


def test_from_settings_typo_in_env_file_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"AUTHJWT_SECRET_KEY={SECRET}\nAUTHJWT_ACCESS_TOKEN_EXPIRE=60\n")
    monkeypatch.chdir(tmp_path)

    class Settings(IgnoringSettings):
        model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    settings = Settings()
    assert settings.authjwt_access_token_expires == 900  # pydantic-settings dropped the typo
    with pytest.raises(
        ConfigurationError,
        match=r"Unknown setting AUTHJWT_ACCESS_TOKEN_EXPIRE .*did you mean "
        r"AUTHJWT_ACCESS_TOKEN_EXPIRES\?.* Set in \.env",
    ):
        AuthViewsConfig.from_settings(settings)


def test_from_settings_typo_in_environment_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEYY", SECRET)
    with pytest.raises(
        ConfigurationError, match=r"Unknown setting AUTHJWT_SECRET_KEYY.* Set in the environment"
    ):
        AuthViewsConfig.from_settings(IgnoringSettings())


def test_from_settings_setting_without_a_field_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_COOKIE_SECURE", "true")
    with pytest.raises(
        ConfigurationError,
        match="AUTHJWT_COOKIE_SECURE is set in the environment but "
        "IgnoringSettings has no field authjwt_cookie_secure",
    ):
        AuthViewsConfig.from_settings(IgnoringSettings())


def test_from_settings_variables_it_has_fields_for_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("authjwt_access_token_expires", "60")  # any case, as pydantic-settings reads it
    monkeypatch.setenv("UNRELATED_AUTHJWT_X", "1")
    config = AuthViewsConfig.from_settings(IgnoringSettings())
    assert config.access_token_expires == timedelta(seconds=60)


def test_from_settings_env_prefix_and_aliases_are_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    class Prefixed(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="MYAPP_", extra="ignore")

        authjwt_secret_key: str = SECRET
        authjwt_decode_leeway: int = Field(default=0, validation_alias="JWT_LEEWAY")

    monkeypatch.setenv("JWT_LEEWAY", "5")
    monkeypatch.setenv("AUTHJWT_TYPO", "not read by this class: no MYAPP_ prefix")
    assert AuthViewsConfig.from_settings(Prefixed()).decode_leeway == timedelta(seconds=5)
    monkeypatch.setenv("MYAPP_AUTHJWT_TYPO", "x")
    with pytest.raises(ConfigurationError, match="Unknown setting AUTHJWT_TYPO"):
        AuthViewsConfig.from_settings(Prefixed())


def test_from_settings_plain_pydantic_model_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import BaseModel

    class Model(BaseModel):
        authjwt_secret_key: str = SECRET

    monkeypatch.setenv("AUTHJWT_SECRET_KEYY", "x")  # a plain model reads no environment
    assert AuthViewsConfig.from_settings(Model()).secret_key == SECRET
