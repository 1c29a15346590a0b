"""``AuthViewsConfig``: every setting, its type, default and validation, and the loaders that build it.

A configuration is validated when it is built, so a bad setting stops the application at start-up; error
messages name the setting by its environment name (``AUTHJWT_SECRET_KEY``). To add a setting, add one field
below with ``_setting(check, parse, default=...)``: ``check`` normalises a typed value (or raises) and
``parse`` turns a string from a loader into a typed value.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from datetime import timedelta
from typing import Any, Literal

from jwt.algorithms import get_default_algorithms

from fastapi_jwt_views.errors import ConfigurationError

__all__ = ["ENV_PREFIX", "SETTING_ALIASES", "AuthViewsConfig"]

ENV_PREFIX = "AUTHJWT_"
SETTING_ALIASES: Mapping[str, str] = {
    "denylist_enabled": "blacklist_enabled",
    "denylist_token_checks": "blacklist_token_checks",
}


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()
_ALGORITHMS = {name.lower(): name for name in get_default_algorithms() if name.lower() != "none"}
_HEADER_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_TOKEN_TYPES = frozenset({"access", "refresh"})
_LOCATIONS = ("headers", "cookies", "query")
_SAMESITE = frozenset({"strict", "lax", "none"})
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CSRF_METHODS = _UNSAFE_METHODS
_NONE_IS_A_VALUE = frozenset({"header_type"})  # None means a bare token, not the default "Bearer"
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
_ACCESS_EXPIRES, _REFRESH_EXPIRES, _NO_LEEWAY = timedelta(minutes=15), timedelta(days=30), timedelta(0)


def _env(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _fail(name: str, message: str) -> ConfigurationError:
    return ConfigurationError(f"{_env(name)} {message}")


def _type_error(name: str, expected: str, value: object) -> ConfigurationError:
    return _fail(name, f"must be {expected}, got {type(value).__name__}")


# Checks: typed value -> normalised value, or ConfigurationError. ----------------------------------------
def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _type_error(name, "a bool", value)
    return value


def _check_positive_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _type_error(name, "an int", value)
    if value <= 0:
        raise _fail(name, f"must be greater than 0, got {value}")
    return value


def _check_non_negative_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _type_error(name, "an int", value)
    if value < 0:
        raise _fail(name, f"must be 0 or more, got {value}")
    return value


def _check_key(name: str, value: object) -> str | bytes | None:
    if value is not None and not isinstance(value, (str, bytes)):
        raise _type_error(name, "str or bytes", value)
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            raise _fail(name, "must be encodable as UTF-8") from None
    return value or None


def _check_algorithm(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _type_error(name, "a str", value)
    if value.strip().lower() == "none":
        raise _fail(name, "must not be 'none': unsigned tokens are never accepted")
    try:
        return _ALGORITHMS[value.lower()]
    except KeyError:
        raise _fail(
            name, f"has unknown algorithm {value!r}; expected one of {sorted(_ALGORITHMS.values())}"
        ) from None


def _items(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value, key=str))
    raise _type_error(name, "a str or a list of str", value)


def _check_algorithms(name: str, value: object) -> tuple[str, ...]:
    if value is None:
        return _UNSET  # type: ignore[no-any-return]  # the default: (algorithm,)
    items = _items(name, value)
    if not items:
        raise _fail(name, "must list at least one algorithm")
    return tuple(dict.fromkeys(_check_algorithm(name, item) for item in items))


def _check_token_checks(name: str, value: object) -> frozenset[str]:
    items = _items(name, value)
    unknown = [item for item in items if not isinstance(item, str) or item not in _TOKEN_TYPES]
    if unknown:
        raise _fail(name, f"accepts only 'access' and 'refresh', got {unknown!r}")
    return frozenset(items)


def _to_delta(name: str, value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise _type_error(name, "a timedelta or an int number of seconds", value)


def _check_expires(name: str, value: object) -> timedelta | Literal[False]:
    if value is False:
        return False
    if value is True:
        raise _fail(
            name, "only accepts False (bool) to disable expiry, got True; use a timedelta or int seconds"
        )
    delta = _to_delta(name, value)
    if delta <= timedelta(0):
        raise _fail(name, f"must be a positive duration (or False for no expiry), got {delta}")
    return delta


def _check_leeway(name: str, value: object) -> timedelta:
    delta = _to_delta(name, value)
    if delta < timedelta(0):
        raise _fail(name, f"must not be negative, got {delta}")
    return delta


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _type_error(name, "a str", value)
    if not value.strip():
        raise _fail(name, "must not be empty")
    return value


def _check_optional_text(name: str, value: object) -> str | None:
    return None if value is None else _check_text(name, value)


def _check_audience(name: str, value: object) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return _check_optional_text(name, value)
    items = _items(name, value)
    if not items:
        raise _fail(name, "must list at least one audience")
    return tuple(_check_text(name, item) for item in items)


def _check_header_name(name: str, value: object) -> str:
    if not _HEADER_TOKEN.fullmatch(_check_text(name, value)):
        raise _fail(name, f"is not a valid HTTP header name: {value!r}")
    return str(value)


def _check_header_type(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _type_error(name, "a str or None", value)
    if any(char.isspace() for char in value) or not value.isprintable():
        raise _fail(name, f"must be a single word without whitespace, got {value!r}")
    return value


def _check_optional_positive_int(name: str, value: object) -> int | None:
    return None if value is None else _check_positive_int(name, value)


def _check_locations(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, (set, frozenset)):  # no order given: headers first, as fastapi-jwt-auth does
        value = sorted(value, key=lambda item: _LOCATIONS.index(item) if item in _LOCATIONS else -1)
    items = _items(name, value)
    unknown = [item for item in items if not isinstance(item, str) or item.lower() not in _LOCATIONS]
    if unknown or not items:
        raise _fail(name, f"accepts an ordered list of {', '.join(map(repr, _LOCATIONS))}, got {items!r}")
    return tuple(dict.fromkeys(item.lower() for item in items))


def _check_cookie_name(name: str, value: object) -> str:
    if not _HEADER_TOKEN.fullmatch(_check_text(name, value)):  # RFC 6265: a cookie name is an HTTP token
        raise _fail(name, f"is not a valid cookie name: {value!r}")
    return str(value)


def _check_path(name: str, value: object) -> str:
    path = _check_text(name, value)
    if not path.startswith("/") or not path.isprintable() or ";" in path or " " in path:
        raise _fail(name, f"must be a path starting with '/', got {value!r}")
    return path


def _check_samesite(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in _SAMESITE:
        raise _fail(name, f"must be one of 'strict', 'lax', 'none', got {value!r}")
    return value.lower()


def _check_csrf_methods(name: str, value: object) -> frozenset[str]:
    items = _items(name, value)
    methods = {item.upper() for item in items if isinstance(item, str)}
    safe = methods & _SAFE_METHODS
    if safe:
        raise _fail(name, f"must not list {sorted(safe)}: GET, HEAD and OPTIONS are never CSRF-checked")
    if len(methods) != len(items) or not methods <= _UNSAFE_METHODS:
        raise _fail(name, f"accepts only POST, PUT, PATCH and DELETE, got {list(items)!r}")
    return frozenset(methods)


def _check_redis_url(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not _check_text(name, value).startswith(("redis://", "rediss://", "unix://")):
        raise _fail(name, "must be a redis://, rediss:// or unix:// URL")
    return str(value)


def _parse(kind: str, name: str, raw: str) -> Any:
    """Turn a loader's string into a typed value of the given kind (the field's check then validates it)."""
    text, lowered = raw.strip(), raw.strip().lower()
    match kind:
        case "secret":  # taken as-is
            return raw or None
        case "pem":  # env files often carry PEM keys with literal "\n" escapes
            return raw.replace("\\n", "\n") or None
        case "optional":
            return text or None
        case "bool" if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        case "bool":
            raise _fail(name, f"must be a bool (true/false, 1/0, yes/no, on/off), got {raw!r}")
        case "expires" if lowered in ("true", "false"):
            return lowered == "true"
        case "int" | "expires":
            try:
                return int(text)
            except ValueError:
                raise _fail(name, f"must be an integer, got {raw!r}") from None
        case "audience" if not text.startswith("[") and "," not in text:
            return text or None
        case "list" | "audience" if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _fail(name, f"is not a valid JSON array: {exc}") from None
            return items if isinstance(items, list) else [items]
        case "list" | "audience":
            return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _setting(
    check: Callable[[str, Any], Any],
    parse: str = "text",
    *,
    default: Any = _UNSET,
    fallback: Callable[[AuthViewsConfig], Any] | None = None,
    secret: bool = False,
) -> Any:
    """A field; with ``fallback`` the default is computed after the other fields (or taken from an alias)."""
    return field(
        default=default, metadata={"check": check, "parse": parse, "fallback": fallback, "secret": secret}
    )


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AuthViewsConfig:
    """The immutable, validated settings of one authenticator; build it directly or with a loader."""

    secret_key: str | bytes | None = _setting(_check_key, "secret", default=None, secret=True)
    allow_weak_secret: bool = _setting(_check_bool, "bool", default=False)
    algorithm: str = _setting(_check_algorithm, default="HS256")
    decode_algorithms: tuple[str, ...] = _setting(
        _check_algorithms, "list", fallback=lambda config: (config.algorithm,)
    )
    private_key: str | bytes | None = _setting(_check_key, "pem", default=None, secret=True)
    public_key: str | bytes | None = _setting(_check_key, "pem", default=None)
    access_token_expires: timedelta | Literal[False] = _setting(  # noqa: RUF009
        _check_expires, "expires", default=_ACCESS_EXPIRES
    )
    refresh_token_expires: timedelta | Literal[False] = _setting(  # noqa: RUF009
        _check_expires, "expires", default=_REFRESH_EXPIRES
    )
    blacklist_enabled: bool = _setting(_check_bool, "bool", fallback=lambda config: False)
    blacklist_token_checks: frozenset[str] = _setting(
        _check_token_checks, "list", fallback=lambda config: _TOKEN_TYPES
    )
    decode_leeway: timedelta = _setting(_check_leeway, "int", default=_NO_LEEWAY)  # noqa: RUF009
    encode_issuer: str | None = _setting(_check_optional_text, "optional", default=None)
    decode_issuer: str | None = _setting(_check_optional_text, "optional", default=None)
    encode_audience: str | tuple[str, ...] | None = _setting(_check_audience, "audience", default=None)
    decode_audience: str | tuple[str, ...] | None = _setting(_check_audience, "audience", default=None)
    header_name: str = _setting(_check_header_name, default="Authorization")
    header_type: str = _setting(_check_header_type, default="Bearer")
    max_token_size: int = _setting(_check_positive_int, "int", default=8192)
    revocation_capacity: int = _setting(_check_positive_int, "int", default=100_000)
    token_cache_size: int = _setting(_check_non_negative_int, "int", default=1024)
    # Where tokens travel (see locations.py); cookie and CSRF names and defaults are fastapi-jwt-auth's.
    token_location: tuple[str, ...] = _setting(_check_locations, "list", default=("headers",))
    query_string_name: str = _setting(_check_cookie_name, default="token")
    access_cookie_key: str = _setting(_check_cookie_name, default="access_token_cookie")
    refresh_cookie_key: str = _setting(_check_cookie_name, default="refresh_token_cookie")
    access_cookie_path: str = _setting(_check_path, default="/")
    refresh_cookie_path: str = _setting(_check_path, default="/")
    cookie_max_age: int | None = _setting(_check_optional_positive_int, "int", default=None)
    cookie_domain: str | None = _setting(_check_optional_text, "optional", default=None)
    cookie_secure: bool = _setting(_check_bool, "bool", default=False)
    cookie_samesite: str | None = _setting(_check_samesite, "optional", default=None)
    cookie_csrf_protect: bool = _setting(_check_bool, "bool", default=True)
    access_csrf_cookie_key: str = _setting(_check_cookie_name, default="csrf_access_token")
    refresh_csrf_cookie_key: str = _setting(_check_cookie_name, default="csrf_refresh_token")
    access_csrf_cookie_path: str = _setting(_check_path, default="/")
    refresh_csrf_cookie_path: str = _setting(_check_path, default="/")
    access_csrf_header_name: str = _setting(_check_header_name, default="X-CSRF-Token")
    refresh_csrf_header_name: str = _setting(_check_header_name, default="X-CSRF-Token")
    csrf_methods: frozenset[str] = _setting(_check_csrf_methods, "list", default=_CSRF_METHODS)
    # Revocation stores, refresh-token rotation and the fastapi-jwt-auth compatibility API.
    redis_url: str | None = _setting(_check_redis_url, "optional", default=None, secret=True)
    redis_key_prefix: str = _setting(_check_text, default="fastapi_jwt_views:")
    revocation_fail_open: bool = _setting(_check_bool, "bool", default=False)
    refresh_token_rotation: bool = _setting(_check_bool, "bool", default=False)
    legacy_status_codes: bool = _setting(_check_bool, "bool", default=True)
    # Aliases (see SETTING_ALIASES), in the same order; they are not stored.
    denylist_enabled: InitVar[Any] = _UNSET
    denylist_token_checks: InitVar[Any] = _UNSET

    def __post_init__(self, *alias_values: Any) -> None:
        fields = {f.name: f for f in dataclasses.fields(self)}
        for f in fields.values():
            if getattr(self, f.name) is not _UNSET:
                object.__setattr__(self, f.name, f.metadata["check"](f.name, getattr(self, f.name)))
        for (alias, target), value in zip(SETTING_ALIASES.items(), alias_values, strict=True):
            if value is _UNSET:
                continue
            value = fields[target].metadata["check"](alias, value)
            if getattr(self, target) not in (_UNSET, value):
                raise ConfigurationError(
                    f"{_env(target)} and its alias {_env(alias)} are set to different values"
                )
            object.__setattr__(self, target, value)
        for f in fields.values():
            if getattr(self, f.name) is _UNSET:
                object.__setattr__(self, f.name, f.metadata["fallback"](self))
        self._check_keys()
        if self.cookie_samesite == "none" and not self.cookie_secure:
            raise ConfigurationError(
                "AUTHJWT_COOKIE_SAMESITE=none needs AUTHJWT_COOKIE_SECURE=true (browsers refuse the cookie)"
            )
        if self.refresh_token_rotation and not (
            self.blacklist_enabled and {"access", "refresh"} <= self.blacklist_token_checks
        ):
            raise ConfigurationError(
                "AUTHJWT_REFRESH_TOKEN_ROTATION needs AUTHJWT_BLACKLIST_ENABLED=true with both token types "
                "in AUTHJWT_BLACKLIST_TOKEN_CHECKS (rotated-out and stolen tokens must be refused)"
            )

    def _check_keys(self) -> None:
        symmetric = [alg for alg in (self.algorithm, *self.decode_algorithms) if alg.startswith("HS")]
        if symmetric and self.secret_key is None:
            raise ConfigurationError(
                f"AUTHJWT_SECRET_KEY must be set when using symmetric algorithm {symmetric[0]}"
            )
        if symmetric and self.secret_key is not None and not self.allow_weak_secret:
            strongest = max(symmetric, key=lambda alg: int(alg[2:]))
            secret = self.secret_key.encode() if isinstance(self.secret_key, str) else self.secret_key
            size, minimum = len(secret), int(strongest[2:]) // 8
            if size < minimum:
                raise ConfigurationError(
                    f"AUTHJWT_SECRET_KEY is {size} bytes long but {strongest} needs at least {minimum} "
                    "bytes (RFC 7518 §3.2); use a longer random key, or set AUTHJWT_ALLOW_WEAK_SECRET=true "
                    "to opt out"
                )
        asymmetric = [alg for alg in self.decode_algorithms if not alg.startswith("HS")]
        if asymmetric and self.public_key is None:
            raise ConfigurationError(
                f"AUTHJWT_PUBLIC_KEY must be set when using asymmetric algorithm {asymmetric[0]}"
            )

    def __repr__(self) -> str:
        shown = {
            f.name: "***"
            if f.metadata["secret"] and getattr(self, f.name) is not None
            else getattr(self, f.name)
            for f in dataclasses.fields(self)
        }
        return f"{type(self).__name__}({', '.join(f'{name}={value!r}' for name, value in shown.items())})"

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Map every setting (field name) to its environment name; aliases are in ``SETTING_ALIASES``."""
        return {f.name: _env(f.name) for f in dataclasses.fields(cls)}

    @classmethod
    def _resolve(cls, key: object) -> str:
        if not isinstance(key, str):
            raise ConfigurationError(f"Setting names must be str, got {type(key).__name__}")
        name = key.strip().lower().removeprefix(ENV_PREFIX.lower())
        known = [*cls.env_names(), *SETTING_ALIASES]
        if name in known:
            return name
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {_env(close[0])}?" if close else ""
        raise ConfigurationError(f"Unknown setting {_env(name)} (from {key!r}){hint}")

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, Any]]) -> AuthViewsConfig:
        """Build from ``(name, value)`` pairs; names with or without ``authjwt_``, strings are parsed.

        A None value means the setting's default (except ``header_type``, where it means a bare token).
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ConfigurationError(f"Settings must be (name, value) pairs, got {type(pair).__name__}")
            name, value = cls._resolve(pair[0]), pair[1]
            if name in kwargs:
                raise ConfigurationError(f"{_env(name)} is set more than once")
            if value is None and name not in _NONE_IS_A_VALUE:
                continue  # an Optional settings field left at None (fastapi-jwt-auth style): the default
            if isinstance(value, str):
                value = _parse(fields[SETTING_ALIASES.get(name, name)].metadata["parse"], name, value)
            kwargs[name] = value
        return cls(**kwargs)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> AuthViewsConfig:
        """Build from a mapping; keys with or without ``authjwt_`` (any case), strings are parsed."""
        return cls.from_pairs(mapping.items())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthViewsConfig:
        """Build from every ``AUTHJWT_*`` variable of ``environ`` (default ``os.environ``)."""
        source = os.environ if environ is None else environ
        return cls.from_pairs((k, v) for k, v in source.items() if k.upper().startswith(ENV_PREFIX))

    @classmethod
    def from_settings(cls, obj: Any) -> AuthViewsConfig:
        """Build from the ``authjwt_*`` fields of a pydantic(-settings) object, a mapping or any object."""
        if isinstance(obj, Mapping):
            data = dict(obj)
        elif callable(getattr(obj, "model_dump", None)):
            data = obj.model_dump()
        elif callable(getattr(obj, "dict", None)):
            data = obj.dict()
        else:
            data = {name: getattr(obj, name) for name in dir(obj) if name.lower().startswith("authjwt_")}
        return cls.from_pairs(
            (key, value.get_secret_value() if callable(getattr(value, "get_secret_value", None)) else value)
            for key, value in data.items()
            if isinstance(key, str) and key.lower().startswith(ENV_PREFIX.lower())
        )

    def replace(self, **changes: Any) -> AuthViewsConfig:
        """Return a validated copy with ``changes`` (typed values; aliases allowed)."""
        names = {self._resolve(key): value for key, value in changes.items()}
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for f in dataclasses.fields(self):  # a computed default follows the fields it was computed from
            if (
                f.metadata["fallback"]
                and f.name not in names
                and values[f.name] == f.metadata["fallback"](self)
            ):
                del values[f.name]
        for alias, target in SETTING_ALIASES.items():
            if alias in names and target not in names:
                values.pop(target, None)
        return type(self)(**{**values, **names})
