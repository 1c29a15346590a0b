"""fastapi-jwt-auth 0.5.0's settings: their names and defaults, and reading what ``load_config`` is given.

0.5.0 kept 32 settings as class attributes of ``AuthConfig`` (``AuthJWT._secret_key``...); this module
maps each to its ``AuthViewsConfig`` setting, validates a value as 0.5.0 did (a bad one raises pydantic's
``ValidationError`` naming the setting) and turns a settings object or a list of pairs into settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Final

import jwt
from pydantic_core import ValidationError

from ._checks import ENV_PREFIX, NONE_IS_A_VALUE, parse
from .config import SETTING_ALIASES, AuthViewsConfig
from .errors import ConfigurationError

__all__ = [
    "ALGORITHMS",
    "CONFIG_TYPE_ERROR",
    "LEGACY_DEFAULTS",
    "LEGACY_NAMES",
    "bare",
    "check_attribute",
    "check_one",
    "is_legacy",
    "key_error",
    "settings_pairs",
    "typed",
]

CONFIG_TYPE_ERROR: Final = "Config must be pydantic 'BaseSettings' or list of tuple"
_FIELDS: Final = {f.name: f for f in dataclasses.fields(AuthViewsConfig)}
ALGORITHMS: Final = frozenset(jwt.algorithms.get_default_algorithms())

#: 0.5.0's class attributes: the setting each one stands for, and 0.5.0's default.
LEGACY_DEFAULTS: Final[dict[str, Any]] = {
    "token_location": {"headers"},
    "secret_key": None,
    "public_key": None,
    "private_key": None,
    "algorithm": "HS256",
    "decode_algorithms": None,
    "decode_leeway": 0,
    "encode_issuer": None,
    "decode_issuer": None,
    "decode_audience": None,
    "denylist_enabled": False,
    "denylist_token_checks": {"access", "refresh"},
    "header_name": "Authorization",
    "header_type": "Bearer",
    "access_token_expires": timedelta(minutes=15),
    "refresh_token_expires": timedelta(days=30),
    "access_cookie_key": "access_token_cookie",
    "refresh_cookie_key": "refresh_token_cookie",
    "access_cookie_path": "/",
    "refresh_cookie_path": "/",
    "cookie_max_age": None,
    "cookie_domain": None,
    "cookie_secure": False,
    "cookie_samesite": None,
    "cookie_csrf_protect": True,
    "access_csrf_cookie_key": "csrf_access_token",
    "refresh_csrf_cookie_key": "csrf_refresh_token",
    "access_csrf_cookie_path": "/",
    "refresh_csrf_cookie_path": "/",
    "access_csrf_header_name": "X-CSRF-Token",
    "refresh_csrf_header_name": "X-CSRF-Token",
    "csrf_methods": {"POST", "PUT", "PATCH", "DELETE"},
}
LEGACY_NAMES: Final = frozenset(LEGACY_DEFAULTS) | frozenset(SETTING_ALIASES.values())


def bare(key: object) -> str:
    """``AUTHJWT_SECRET_KEY`` / ``authjwt_secret_key`` -> ``secret_key`` (unknown names raise)."""
    if not isinstance(key, str):
        raise ConfigurationError(f"Setting names must be str, got {type(key).__name__}")
    name = key.strip().lower().removeprefix(ENV_PREFIX.lower())
    if name not in _FIELDS and name not in SETTING_ALIASES:
        AuthViewsConfig.from_pairs([(key, None)])  # raises ConfigurationError with a suggestion
    return name


def typed(name: str, value: Any) -> Any:
    """A setting's value as the config checks it (strings from the environment are parsed)."""
    if isinstance(value, str) and name not in ("secret_key", "public_key", "private_key"):
        return parse(_FIELDS[SETTING_ALIASES.get(name, name)].metadata["parse"], name, value)
    return value


def check_one(name: str, value: Any) -> None:
    """Validate one setting as 0.5.0 did: a bad value raises pydantic's ``ValidationError``."""
    if value is None and name not in NONE_IS_A_VALUE:
        return
    target = SETTING_ALIASES.get(name, name)
    try:
        _FIELDS[target].metadata["check"](name, typed(name, value))
    except ConfigurationError as exc:
        raise ValidationError.from_exception_data(
            "AuthJWT settings",
            [{"type": "value_error", "loc": (f"authjwt_{name}",), "input": value, "ctx": {"error": exc}}],
        ) from exc


def settings_pairs(loaded: object) -> dict[str, Any]:
    """The ``authjwt_*`` settings a ``load_config`` function returned (settings object or pairs)."""
    if isinstance(loaded, Mapping):
        items: Iterable[Any] = loaded.items()
    elif callable(getattr(loaded, "model_dump", None)):
        items = loaded.model_dump().items()  # type: ignore[attr-defined]
    elif callable(getattr(loaded, "dict", None)):
        items = loaded.dict().items()  # type: ignore[attr-defined]
    elif isinstance(loaded, (list, tuple)):
        items = loaded
    else:
        raise TypeError(CONFIG_TYPE_ERROR)
    pairs: dict[str, Any] = {}
    try:
        for key, value in items:
            if isinstance(key, str) and key.lower().startswith(ENV_PREFIX.lower()):
                secret = getattr(value, "get_secret_value", None)
                pairs[bare(key)] = secret() if callable(secret) else value
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigurationError):
            raise
        raise TypeError(CONFIG_TYPE_ERROR) from None
    return pairs


def key_error(algorithm: str, kind: str) -> RuntimeError:
    family = "symmetric" if kind == "secret" else "asymmetric"
    return RuntimeError(f"authjwt_{kind}_key must be set when using {family} algorithm {algorithm}")


def check_attribute(attribute: str, value: Any) -> str:
    """Validate a write to 0.5.0's class attribute ``attribute``; return the setting's name."""
    name = attribute.removeprefix("_")
    check_one(name, value)
    return name


LEGACY_ATTRIBUTES: Final = frozenset(
    {"_token", "_token_in_denylist_callback", *(f"_{name}" for name in LEGACY_DEFAULTS)}
)


def is_legacy(name: str) -> bool:
    """Whether ``name`` is one of 0.5.0's class attributes (``_secret_key``, ``_denylist_enabled``...)."""
    return name in LEGACY_ATTRIBUTES
