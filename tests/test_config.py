from __future__ import annotations

import dataclasses
import os
import re
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from fastapi_jwt_views.config import SETTING_ALIASES, AuthViewsConfig
from fastapi_jwt_views.errors import ConfigurationError

SECRET = "k" * 64  # long enough for HS512
# Real keys: key material is parsed (and refused when bad) when a configuration is built.
PUBLIC_PEM = (Path(__file__).parent / "keys" / "rsa_public.pem").read_text()
PRIVATE_PEM = (Path(__file__).parent / "keys" / "rsa_private.pem").read_text()


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AUTHJWT_* variable of the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("AUTHJWT_"):
            monkeypatch.delenv(name)


def config_error(match: str) -> AbstractContextManager[pytest.ExceptionInfo[ConfigurationError]]:
    return pytest.raises(ConfigurationError, match=re.escape(match))


# --- defaults and introspection -------------------------------------------------------------------------


def test_config_defaults_match_documented_values() -> None:
    config = AuthViewsConfig(secret_key=SECRET)

    assert config.secret_key == SECRET
    assert config.allow_weak_secret is False
    assert config.algorithm == "HS256"
    assert config.decode_algorithms == ("HS256",)
    assert config.private_key is None and config.public_key is None
    assert config.access_token_expires == timedelta(minutes=15)
    assert config.refresh_token_expires == timedelta(days=30)
    assert config.blacklist_enabled is False
    assert config.blacklist_token_checks == frozenset({"access", "refresh"})
    assert config.decode_leeway == timedelta(0)
    assert config.encode_issuer is None and config.decode_issuer is None
    assert config.encode_audience is None and config.decode_audience is None
    assert config.header_name == "Authorization"
    assert config.header_type == "Bearer"
    assert config.max_token_size == 8192
    assert config.revocation_capacity == 100_000


def test_env_names_every_field_maps_to_prefixed_upper_name() -> None:
    names = AuthViewsConfig.env_names()

    assert set(names) == {f.name for f in dataclasses.fields(AuthViewsConfig)}
    assert names["secret_key"] == "AUTHJWT_SECRET_KEY"
    assert all(env == "AUTHJWT_" + field.upper() for field, env in names.items())
    assert set(SETTING_ALIASES.values()) <= set(names)


# --- secret key -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize("secret", [None, "", b""])
def test_config_symmetric_without_secret_raises_exact_message(
    algorithm: str, secret: str | bytes | None
) -> None:
    with pytest.raises(ConfigurationError) as info:
        AuthViewsConfig(algorithm=algorithm, secret_key=secret)

    assert str(info.value) == f"AUTHJWT_SECRET_KEY must be set when using symmetric algorithm {algorithm}"


def test_config_symmetric_decode_algorithm_without_secret_raises() -> None:
    with config_error("AUTHJWT_SECRET_KEY must be set when using symmetric algorithm HS384"):
        AuthViewsConfig(algorithm="RS256", decode_algorithms=["RS256", "HS384"], public_key=PUBLIC_PEM)


@pytest.mark.parametrize(("algorithm", "minimum"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_config_short_secret_raises_naming_length_minimum_and_opt_out(algorithm: str, minimum: int) -> None:
    with pytest.raises(ConfigurationError) as info:
        AuthViewsConfig(algorithm=algorithm, secret_key="k" * (minimum - 1))

    message = str(info.value)
    for part in ("AUTHJWT_SECRET_KEY", f"{minimum - 1} bytes", f"at least {minimum}", "RFC 7518 §3.2"):
        assert part in message
    assert "AUTHJWT_ALLOW_WEAK_SECRET=true" in message
    assert "k" * 8 not in message


@pytest.mark.parametrize(("algorithm", "minimum"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_config_secret_of_minimum_length_is_accepted(algorithm: str, minimum: int) -> None:
    assert AuthViewsConfig(algorithm=algorithm, secret_key="k" * minimum).algorithm == algorithm
    assert AuthViewsConfig(algorithm=algorithm, secret_key=b"k" * minimum).secret_key == b"k" * minimum


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_config_short_secret_with_allow_weak_secret_is_accepted(algorithm: str) -> None:
    config = AuthViewsConfig(algorithm=algorithm, secret_key="short", allow_weak_secret=True)

    assert config.secret_key == "short"


def test_config_secret_length_counts_utf8_bytes() -> None:
    assert AuthViewsConfig(secret_key="é" * 16).secret_key == "é" * 16  # 32 bytes, 16 characters
    with config_error("AUTHJWT_SECRET_KEY is 31 bytes long"):
        AuthViewsConfig(secret_key="é" * 15 + "a")


def test_config_strongest_decode_algorithm_sets_secret_minimum() -> None:
    with config_error("HS512 needs at least 64"):
        AuthViewsConfig(secret_key="k" * 32, decode_algorithms=("HS256", "HS512"))


def test_config_asymmetric_only_needs_no_secret() -> None:
    config = AuthViewsConfig(algorithm="RS256", public_key=PUBLIC_PEM)

    assert config.secret_key is None and config.private_key is None
    assert config.decode_algorithms == ("RS256",)


# --- algorithms and keys --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "PS384", "ES256", "ES512", "EdDSA"])
def test_config_asymmetric_without_public_key_raises_exact_message(algorithm: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        AuthViewsConfig(algorithm=algorithm, private_key=PRIVATE_PEM)

    assert str(info.value) == f"AUTHJWT_PUBLIC_KEY must be set when using asymmetric algorithm {algorithm}"


def test_config_asymmetric_decode_algorithm_without_public_key_raises() -> None:
    with config_error("AUTHJWT_PUBLIC_KEY must be set when using asymmetric algorithm ES256"):
        AuthViewsConfig(secret_key=SECRET, decode_algorithms="ES256")


@pytest.mark.parametrize("none", ["none", "None", "NONE", " nOnE "])
@pytest.mark.parametrize(
    ("field", "env"), [("algorithm", "AUTHJWT_ALGORITHM"), ("decode_algorithms", "AUTHJWT_DECODE_ALGORITHMS")]
)
def test_config_none_algorithm_in_any_case_raises(field: str, env: str, none: str) -> None:
    with config_error(f"{env} must not be 'none'"):
        AuthViewsConfig(secret_key=SECRET, **{field: none})


@pytest.mark.parametrize(
    ("field", "value"), [("algorithm", "HS999"), ("decode_algorithms", ["HS256", "XYZ"])]
)
def test_config_unknown_algorithm_raises_naming_setting(field: str, value: Any) -> None:
    with config_error(f"AUTHJWT_{field.upper()} has unknown algorithm"):
        AuthViewsConfig(secret_key=SECRET, **{field: value})


def test_config_algorithm_names_are_normalised_to_pyjwt_spelling() -> None:
    config = AuthViewsConfig(
        secret_key=SECRET,
        algorithm="hs512",
        decode_algorithms=["hs512", "ps256", "HS512"],
        public_key=PUBLIC_PEM,
    )

    assert config.algorithm == "HS512"
    assert config.decode_algorithms == ("HS512", "PS256")


@pytest.mark.parametrize("value", [[], (), 42])
def test_config_bad_decode_algorithms_raises(value: Any) -> None:
    with config_error("AUTHJWT_DECODE_ALGORITHMS must"):
        AuthViewsConfig(secret_key=SECRET, decode_algorithms=value)


@pytest.mark.parametrize("field", ["secret_key", "private_key", "public_key"])
def test_config_key_of_wrong_type_raises_naming_expected_type(field: str) -> None:
    with config_error(f"AUTHJWT_{field.upper()} must be str or bytes, got int"):
        AuthViewsConfig(**{"secret_key": SECRET, field: 12345})


# --- expiries and leeway ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["access_token_expires", "refresh_token_expires"])
def test_config_expires_true_raises_only_false_message(field: str) -> None:
    with config_error(f"AUTHJWT_{field.upper()} only accepts False (bool)"):
        AuthViewsConfig(secret_key=SECRET, **{field: True})


@pytest.mark.parametrize("field", ["access_token_expires", "refresh_token_expires"])
@pytest.mark.parametrize("value", [0, -1, timedelta(0), timedelta(seconds=-5)])
def test_config_expires_zero_or_negative_raises(field: str, value: Any) -> None:
    with config_error(f"AUTHJWT_{field.upper()} must be a positive duration"):
        AuthViewsConfig(secret_key=SECRET, **{field: value})


@pytest.mark.parametrize("field", ["access_token_expires", "refresh_token_expires"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [(60, timedelta(minutes=1)), (timedelta(hours=2), timedelta(hours=2)), (False, False)],
)
def test_config_expires_normalises_to_timedelta_or_false(field: str, value: Any, expected: Any) -> None:
    assert getattr(AuthViewsConfig(secret_key=SECRET, **{field: value}), field) == expected


@pytest.mark.parametrize("value", ["900", 1.5, None])
def test_config_expires_of_wrong_type_raises_naming_expected_type(value: Any) -> None:
    with config_error("AUTHJWT_ACCESS_TOKEN_EXPIRES must be a timedelta or an int number of seconds"):
        AuthViewsConfig(secret_key=SECRET, access_token_expires=value)


@pytest.mark.parametrize(
    ("value", "expected"), [(0, timedelta(0)), (10, timedelta(seconds=10)), (timedelta(1), timedelta(1))]
)
def test_config_decode_leeway_normalises_to_timedelta(value: Any, expected: timedelta) -> None:
    assert AuthViewsConfig(secret_key=SECRET, decode_leeway=value).decode_leeway == expected


@pytest.mark.parametrize("value", [-1, timedelta(seconds=-1)])
def test_config_negative_decode_leeway_raises(value: Any) -> None:
    with config_error("AUTHJWT_DECODE_LEEWAY must not be negative"):
        AuthViewsConfig(secret_key=SECRET, decode_leeway=value)


# --- bools, ints, strings --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["allow_weak_secret", "blacklist_enabled", "denylist_enabled"])
@pytest.mark.parametrize("value", [1, 0, "true", None])
def test_config_non_bool_for_bool_setting_raises(field: str, value: Any) -> None:
    with config_error(f"AUTHJWT_{field.upper()} must be a bool, got {type(value).__name__}"):
        AuthViewsConfig(secret_key=SECRET, **{field: value})


@pytest.mark.parametrize("field", ["max_token_size", "revocation_capacity"])
@pytest.mark.parametrize(
    ("value", "message"), [(0, "greater than 0"), (-3, "greater than 0"), ("10", "an int"), (True, "an int")]
)
def test_config_bad_positive_int_raises(field: str, value: Any, message: str) -> None:
    with config_error(f"AUTHJWT_{field.upper()} must be {message}"):
        AuthViewsConfig(secret_key=SECRET, **{field: value})


@pytest.mark.parametrize("value", ["", "X Auth", "Auth:", "Authörization", " Authorization", 7])
def test_config_bad_header_name_raises(value: Any) -> None:
    with config_error("AUTHJWT_HEADER_NAME"):
        AuthViewsConfig(secret_key=SECRET, header_name=value)


def test_config_custom_header_name_is_kept() -> None:
    assert AuthViewsConfig(secret_key=SECRET, header_name="X-Access-Token").header_name == "X-Access-Token"


@pytest.mark.parametrize("value", [None, ""])
def test_config_header_type_none_or_empty_means_bare_token(value: str | None) -> None:
    assert AuthViewsConfig(secret_key=SECRET, header_type=value).header_type == ""


@pytest.mark.parametrize("value", ["Bear er", "Bearer ", "\tJWT", 3])
def test_config_bad_header_type_raises(value: Any) -> None:
    with config_error("AUTHJWT_HEADER_TYPE must be"):
        AuthViewsConfig(secret_key=SECRET, header_type=value)


@pytest.mark.parametrize("field", ["encode_issuer", "decode_issuer", "encode_audience", "decode_audience"])
@pytest.mark.parametrize("value", ["", "   "])
def test_config_empty_issuer_or_audience_raises(field: str, value: str) -> None:
    with config_error(f"AUTHJWT_{field.upper()} must not be empty"):
        AuthViewsConfig(secret_key=SECRET, **{field: value})


@pytest.mark.parametrize(("value", "expected"), [("api", "api"), (["a", "b"], ("a", "b")), (("a",), ("a",))])
def test_config_audience_accepts_str_or_sequence(value: Any, expected: Any) -> None:
    config = AuthViewsConfig(secret_key=SECRET, encode_audience=value, decode_audience=value)

    assert config.encode_audience == expected and config.decode_audience == expected


@pytest.mark.parametrize("value", [[], ["a", ""], [1], 5])
def test_config_bad_audience_sequence_raises(value: Any) -> None:
    with config_error("AUTHJWT_DECODE_AUDIENCE must"):
        AuthViewsConfig(secret_key=SECRET, decode_audience=value)


@pytest.mark.parametrize(
    ("value", "expected"), [(["access"], {"access"}), ("refresh", {"refresh"}), ((), set())]
)
def test_config_token_checks_normalise_to_frozenset(value: Any, expected: set[str]) -> None:
    assert AuthViewsConfig(secret_key=SECRET, blacklist_token_checks=value).blacklist_token_checks == expected


@pytest.mark.parametrize(("value", "shown"), [(["access", "id"], "['id']"), ([["access"]], "[['access']]")])
def test_config_unknown_token_check_raises(value: Any, shown: str) -> None:
    with config_error(f"AUTHJWT_BLACKLIST_TOKEN_CHECKS accepts only 'access' and 'refresh', got {shown}"):
        AuthViewsConfig(secret_key=SECRET, blacklist_token_checks=value)


# --- aliases --------------------------------------------------------------------------------------------


def test_config_denylist_aliases_set_blacklist_fields() -> None:
    config = AuthViewsConfig(secret_key=SECRET, denylist_enabled=True, denylist_token_checks=["access"])

    assert config.blacklist_enabled is True
    assert config.blacklist_token_checks == frozenset({"access"})


def test_config_alias_and_name_with_same_value_are_accepted() -> None:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=False, denylist_enabled=False)

    assert config.blacklist_enabled is False


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"blacklist_enabled": False, "denylist_enabled": True}, ("BLACKLIST_ENABLED", "DENYLIST_ENABLED")),
        (
            {"blacklist_token_checks": ["access"], "denylist_token_checks": ["refresh"]},
            ("BLACKLIST_TOKEN_CHECKS", "DENYLIST_TOKEN_CHECKS"),
        ),
    ],
)
def test_config_alias_conflict_raises_naming_both(changes: dict[str, Any], names: tuple[str, str]) -> None:
    with pytest.raises(ConfigurationError) as info:
        AuthViewsConfig(secret_key=SECRET, **changes)

    assert all(f"AUTHJWT_{name}" in str(info.value) for name in names)


# --- value object behaviour -----------------------------------------------------------------------------


def test_config_repr_hides_secret_and_private_key() -> None:
    config = AuthViewsConfig(
        algorithm="RS256", private_key=PRIVATE_PEM, public_key=PUBLIC_PEM, secret_key=SECRET
    )

    text = repr(config)
    assert SECRET not in text and "PRIVATE KEY" not in text and str(config) == text
    assert "secret_key='***'" in text and "private_key='***'" in text
    assert "secret_key=None" in repr(AuthViewsConfig(algorithm="RS256", public_key=PUBLIC_PEM))


def test_config_attributes_are_immutable() -> None:
    config = AuthViewsConfig(secret_key=SECRET)

    with pytest.raises(dataclasses.FrozenInstanceError):
        config.header_type = "JWT"  # type: ignore[misc]
    assert not hasattr(config, "__dict__")


def test_config_two_instances_coexist_independently() -> None:
    first = AuthViewsConfig(secret_key=SECRET, header_type="JWT", access_token_expires=60)
    second = AuthViewsConfig(secret_key="x" * 32, access_token_expires=False)

    assert (first.header_type, second.header_type) == ("JWT", "Bearer")
    assert (first.access_token_expires, second.access_token_expires) == (timedelta(seconds=60), False)
    assert first != second


def test_config_equal_values_are_equal_and_hash_alike() -> None:
    first = AuthViewsConfig(
        secret_key=SECRET, blacklist_token_checks=["refresh", "access"], access_token_expires=900
    )
    second = AuthViewsConfig(secret_key=SECRET)

    assert first == second and hash(first) == hash(second)


def test_replace_valid_change_returns_validated_copy() -> None:
    original = AuthViewsConfig(secret_key=SECRET)
    copy = original.replace(access_token_expires=30, denylist_enabled=True)

    assert copy.access_token_expires == timedelta(seconds=30) and copy.blacklist_enabled is True
    assert original.access_token_expires == timedelta(minutes=15) and original.blacklist_enabled is False


def test_replace_algorithm_moves_default_decode_algorithms_along() -> None:
    original = AuthViewsConfig(secret_key=SECRET)

    assert original.replace(algorithm="HS512").decode_algorithms == ("HS512",)
    explicit = AuthViewsConfig(secret_key=SECRET, decode_algorithms=["HS256", "HS384"])
    assert explicit.replace(algorithm="HS384").decode_algorithms == ("HS256", "HS384")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"secret_key": "short"}, "AUTHJWT_SECRET_KEY"),
        ({"header_nam": "X"}, "did you mean AUTHJWT_HEADER_NAME"),
    ],
)
def test_replace_invalid_change_raises(changes: dict[str, Any], message: str) -> None:
    with config_error(message):
        AuthViewsConfig(secret_key=SECRET).replace(**changes)


# --- from_env -------------------------------------------------------------------------------------------


def test_from_env_explicit_mapping_parses_every_kind_of_value() -> None:
    environ = {
        "AUTHJWT_SECRET_KEY": " " + "s" * 50 + " ",
        "AUTHJWT_ALGORITHM": " HS384 ",
        "AUTHJWT_DECODE_ALGORITHMS": "HS384, RS256",
        "AUTHJWT_PUBLIC_KEY": PUBLIC_PEM.replace("\n", "\\n"),
        "AUTHJWT_ACCESS_TOKEN_EXPIRES": "60",
        "AUTHJWT_REFRESH_TOKEN_EXPIRES": "false",
        "AUTHJWT_DENYLIST_ENABLED": "Yes",
        "AUTHJWT_DENYLIST_TOKEN_CHECKS": '["access"]',
        "AUTHJWT_DECODE_LEEWAY": "5",
        "AUTHJWT_ENCODE_ISSUER": " issuer ",
        "AUTHJWT_DECODE_ISSUER": "",
        "AUTHJWT_DECODE_AUDIENCE": "a, b",
        "AUTHJWT_ENCODE_AUDIENCE": "a",
        "AUTHJWT_HEADER_NAME": "X-Token",
        "AUTHJWT_HEADER_TYPE": "",
        "AUTHJWT_MAX_TOKEN_SIZE": "4096",
        "AUTHJWT_REVOCATION_CAPACITY": " 10 ",
        "OTHER_VARIABLE": "ignored",
    }

    config = AuthViewsConfig.from_env(environ)

    assert config.secret_key == " " + "s" * 50 + " "  # secrets are taken as-is
    assert config.algorithm == "HS384" and config.decode_algorithms == ("HS384", "RS256")
    assert config.public_key == PUBLIC_PEM
    assert config.access_token_expires == timedelta(seconds=60) and config.refresh_token_expires is False
    assert config.blacklist_enabled is True and config.blacklist_token_checks == frozenset({"access"})
    assert config.decode_leeway == timedelta(seconds=5)
    assert (config.encode_issuer, config.decode_issuer) == ("issuer", None)
    assert (config.encode_audience, config.decode_audience) == ("a", ("a", "b"))
    assert (config.header_name, config.header_type) == ("X-Token", "")
    assert (config.max_token_size, config.revocation_capacity) == (4096, 10)


def test_from_env_default_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("authjwt_header_type", "JWT")

    config = AuthViewsConfig.from_env()

    assert config.secret_key == SECRET and config.header_type == "JWT"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "AUTHJWT_SECRET_KY",
            "Unknown setting AUTHJWT_SECRET_KY (from 'AUTHJWT_SECRET_KY'); did you mean AUTHJWT_SECRET_KEY?",
        ),
        ("AUTHJWT_TOKEN_LOCATIONS", "did you mean AUTHJWT_TOKEN_LOCATION?"),
        ("authjwt_denylist_enable", "did you mean AUTHJWT_DENYLIST_ENABLED?"),
    ],
)
def test_from_env_unknown_variable_raises_with_suggestion(name: str, message: str) -> None:
    with config_error(message):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, name: "x"})


def test_from_env_unknown_variable_without_close_name_has_no_suggestion() -> None:
    with pytest.raises(ConfigurationError) as info:
        AuthViewsConfig.from_env({"AUTHJWT_ZZZZZZZZ": "1"})

    assert "AUTHJWT_ZZZZZZZZ" in str(info.value) and "did you mean" not in str(info.value)


@pytest.mark.parametrize("raw", ["true", "TRUE", "1", "yes", "On", " true "])
def test_from_env_truthy_bool_strings_parse_to_true(raw: str) -> None:
    assert AuthViewsConfig.from_env(
        {"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_BLACKLIST_ENABLED": raw}
    ).blacklist_enabled


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "OFF"])
def test_from_env_falsy_bool_strings_parse_to_false(raw: str) -> None:
    config = AuthViewsConfig.from_env(
        {"AUTHJWT_SECRET_KEY": "short", "AUTHJWT_ALLOW_WEAK_SECRET": "true", "AUTHJWT_BLACKLIST_ENABLED": raw}
    )

    assert config.blacklist_enabled is False and config.allow_weak_secret is True


@pytest.mark.parametrize("raw", ["maybe", "", "2", "enabled"])
def test_from_env_bad_bool_raises_naming_setting(raw: str) -> None:
    with config_error(
        f"AUTHJWT_DENYLIST_ENABLED must be a bool (true/false, 1/0, yes/no, on/off), got {raw!r}"
    ):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_DENYLIST_ENABLED": raw})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("true", "AUTHJWT_ACCESS_TOKEN_EXPIRES only accepts False (bool)"),
        ("0", "AUTHJWT_ACCESS_TOKEN_EXPIRES must be a positive duration"),
        ("-60", "AUTHJWT_ACCESS_TOKEN_EXPIRES must be a positive duration"),
        ("15m", "AUTHJWT_ACCESS_TOKEN_EXPIRES must be an integer, got '15m'"),
    ],
)
def test_from_env_bad_expires_raises(raw: str, message: str) -> None:
    with config_error(message):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_ACCESS_TOKEN_EXPIRES": raw})


@pytest.mark.parametrize("raw", ["false", "FALSE", " False "])
def test_from_env_false_expires_means_no_expiry(raw: str) -> None:
    config = AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_ACCESS_TOKEN_EXPIRES": raw})

    assert config.access_token_expires is False


@pytest.mark.parametrize(
    "raw", ["HS256,HS512", " HS256 , HS512 ,", '["HS256", "HS512"]', ' [ "HS256","HS512" ] ']
)
def test_from_env_decode_algorithms_comma_or_json_list(raw: str) -> None:
    config = AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_DECODE_ALGORITHMS": raw})

    assert config.decode_algorithms == ("HS256", "HS512")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('["HS256"', "is not a valid JSON array"),
        ("", "must list at least one"),
        ("[]", "must list at least one"),
        ("None", "must not be 'none'"),
        ('["HS256", 1]', "must be a str"),
    ],
)
def test_from_env_bad_decode_algorithms_raises(raw: str, message: str) -> None:
    with config_error(f"AUTHJWT_DECODE_ALGORITHMS {message}"):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_DECODE_ALGORITHMS": raw})


def test_from_env_empty_secret_means_unset() -> None:
    with config_error("AUTHJWT_SECRET_KEY must be set when using symmetric algorithm HS256"):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": ""})


def test_from_env_same_setting_twice_raises() -> None:
    with config_error("AUTHJWT_SECRET_KEY is set more than once"):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "authjwt_secret_key": SECRET})


def test_from_env_alias_conflict_raises_naming_both() -> None:
    environ = {
        "AUTHJWT_SECRET_KEY": SECRET,
        "AUTHJWT_BLACKLIST_ENABLED": "true",
        "AUTHJWT_DENYLIST_ENABLED": "false",
    }

    with config_error("AUTHJWT_BLACKLIST_ENABLED and its alias AUTHJWT_DENYLIST_ENABLED"):
        AuthViewsConfig.from_env(environ)


# --- from_mapping / from_pairs --------------------------------------------------------------------------


def test_from_mapping_keys_with_or_without_prefix_any_case_typed_or_str() -> None:
    config = AuthViewsConfig.from_mapping(
        {
            "Secret_Key": SECRET,
            "AUTHJWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=5),
            "authjwt_refresh_token_expires": "3600",
            "denylist_enabled": True,
            "decode_leeway": 3,
            "decode_audience": ["a", "b"],
            "header_type": None,
        }
    )

    assert config.access_token_expires == timedelta(minutes=5)
    assert config.refresh_token_expires == timedelta(hours=1)
    assert config.blacklist_enabled is True and config.decode_leeway == timedelta(seconds=3)
    assert config.decode_audience == ("a", "b") and config.header_type == ""


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"secret": SECRET},
            "Unknown setting AUTHJWT_SECRET (from 'secret'); did you mean AUTHJWT_SECRET_KEY?",
        ),
        ({"secret_key": SECRET, "AUTHJWT_secret_key": SECRET}, "AUTHJWT_SECRET_KEY is set more than once"),
        ({"secret_key": SECRET, "blacklist_enabled": 1}, "AUTHJWT_BLACKLIST_ENABLED must be a bool, got int"),
    ],
)
def test_from_mapping_bad_mapping_raises(mapping: dict[str, Any], message: str) -> None:
    with config_error(message):
        AuthViewsConfig.from_mapping(mapping)


def test_from_pairs_fastapi_jwt_auth_list_of_tuples() -> None:
    pairs = [
        ("authjwt_secret_key", SECRET),
        ("authjwt_denylist_enabled", True),
        ("authjwt_header_type", None),
    ]

    config = AuthViewsConfig.from_pairs(pairs)

    assert config.secret_key == SECRET and config.blacklist_enabled is True and config.header_type == ""


@pytest.mark.parametrize("pairs", [[("authjwt_secret_key",)], ["authjwt_secret_key"], [(1, "x")]])
def test_from_pairs_malformed_pair_raises(pairs: Any) -> None:
    with pytest.raises(ConfigurationError):
        AuthViewsConfig.from_pairs(pairs)


# --- from_settings --------------------------------------------------------------------------------------


class AppSettings(BaseSettings):
    database_url: str = "sqlite://"
    authjwt_secret_key: SecretStr = SecretStr(SECRET)
    authjwt_denylist_enabled: bool = False
    authjwt_access_token_expires: int = 900
    authjwt_decode_algorithms: list[str] = ["HS256"]
    authjwt_header_type: str | None = "Bearer"


def test_from_settings_pydantic_settings_reads_only_authjwt_fields() -> None:
    config = AuthViewsConfig.from_settings(
        AppSettings(authjwt_denylist_enabled=True, authjwt_header_type=None)
    )

    assert config.secret_key == SECRET  # SecretStr is unwrapped
    assert config.blacklist_enabled is True and config.header_type == ""
    assert config.access_token_expires == timedelta(seconds=900)


def test_from_settings_dotenv_file_is_loaded(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"AUTHJWT_SECRET_KEY={'d' * 48}\nAUTHJWT_DENYLIST_ENABLED=true\nAUTHJWT_ACCESS_TOKEN_EXPIRES=120\n"
        'AUTHJWT_DECODE_ALGORITHMS=["HS384"]\nDATABASE_URL=postgres://db\n',
        encoding="utf-8",
    )

    settings = AppSettings(_env_file=env_file)  # type: ignore[call-arg]
    config = AuthViewsConfig.from_settings(settings)

    assert settings.database_url == "postgres://db"
    assert config.secret_key == "d" * 48 and config.decode_algorithms == ("HS384",)
    assert config.blacklist_enabled is True and config.access_token_expires == timedelta(minutes=2)


def test_from_settings_unknown_authjwt_field_raises() -> None:
    class Settings(BaseSettings):
        authjwt_secret_key: str = SECRET
        authjwt_token_locaton: str = "headers"

    with config_error("Unknown setting AUTHJWT_TOKEN_LOCATON"):
        AuthViewsConfig.from_settings(Settings())


def test_from_settings_plain_object_and_mapping_are_read() -> None:
    class Plain:
        authjwt_secret_key = SECRET
        authjwt_header_name = "X-Auth"
        unrelated = object()

    assert AuthViewsConfig.from_settings(Plain()).header_name == "X-Auth"
    assert AuthViewsConfig.from_settings({"authjwt_secret_key": SECRET, "other": 1}).secret_key == SECRET


def test_from_settings_invalid_value_fails_at_build() -> None:
    with config_error("AUTHJWT_ACCESS_TOKEN_EXPIRES must be a positive duration"):
        AuthViewsConfig.from_settings(AppSettings(authjwt_access_token_expires=-1))


def test_from_settings_optional_fields_left_none_take_defaults() -> None:
    from pydantic_settings import BaseSettings

    class Settings(BaseSettings):
        authjwt_secret_key: str = "n" * 32
        authjwt_decode_leeway: int | None = None
        authjwt_algorithm: str | None = None
        authjwt_access_token_expires: int | None = None
        authjwt_header_type: str | None = None

    config = AuthViewsConfig.from_settings(Settings())
    assert config.decode_leeway == timedelta(0)
    assert config.algorithm == "HS256"
    assert config.access_token_expires == timedelta(minutes=15)
    assert config.header_type == ""  # None keeps its fastapi-jwt-auth meaning: a bare token
