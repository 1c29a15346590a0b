"""Validation and parsing of settings: each check turns a typed value into its normalised form or raises a
``ConfigurationError`` naming the setting by its environment name; ``parse`` turns a loader's string into a
typed value for the check. Used by :mod:`fastapi_jwt_views.config`.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any, Literal

from jwt.algorithms import get_default_algorithms

from .errors import ConfigurationError

ENV_PREFIX = "AUTHJWT_"


class Unset:
    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = Unset()
ALGORITHMS = {name.lower(): name for name in get_default_algorithms() if name.lower() != "none"}
HEADER_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
TOKEN_TYPES = frozenset({"access", "refresh"})
LOCATIONS = ("headers", "cookies", "query")
SAMESITE = frozenset({"strict", "lax", "none"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_METHODS = UNSAFE_METHODS
NONE_IS_A_VALUE = frozenset({"header_type"})  # None means a bare token, not the default "Bearer"
TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
ACCESS_EXPIRES, REFRESH_EXPIRES, NO_LEEWAY = timedelta(minutes=15), timedelta(days=30), timedelta(0)


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def fail(name: str, message: str) -> ConfigurationError:
    return ConfigurationError(f"{env_name(name)} {message}")


def type_error(name: str, expected: str, value: object) -> ConfigurationError:
    return fail(name, f"must be {expected}, got {type(value).__name__}")


# Checks: typed value -> normalised value, or ConfigurationError. ----------------------------------------
def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise type_error(name, "a bool", value)
    return value


def check_positive_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise type_error(name, "an int", value)
    if value <= 0:
        raise fail(name, f"must be greater than 0, got {value}")
    return value


def check_non_negative_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise type_error(name, "an int", value)
    if value < 0:
        raise fail(name, f"must be 0 or more, got {value}")
    return value


def check_key(name: str, value: object) -> str | bytes | None:
    if value is not None and not isinstance(value, (str, bytes)):
        raise type_error(name, "str or bytes", value)
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            raise fail(name, "must be encodable as UTF-8") from None
    return value or None


def check_algorithm(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise type_error(name, "a str", value)
    if value.strip().lower() == "none":
        raise fail(name, "must not be 'none': unsigned tokens are never accepted")
    try:
        return ALGORITHMS[value.lower()]
    except KeyError:
        raise fail(
            name, f"has unknown algorithm {value!r}; expected one of {sorted(ALGORITHMS.values())}"
        ) from None


def as_items(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value, key=str))
    raise type_error(name, "a str or a list of str", value)


def check_algorithms(name: str, value: object) -> tuple[str, ...]:
    if value is None:
        return UNSET  # type: ignore[no-any-return]  # the default: (algorithm,)
    items = as_items(name, value)
    if not items:
        raise fail(name, "must list at least one algorithm")
    return tuple(dict.fromkeys(check_algorithm(name, item) for item in items))


def check_token_checks(name: str, value: object) -> frozenset[str]:
    items = as_items(name, value)
    unknown = [item for item in items if not isinstance(item, str) or item not in TOKEN_TYPES]
    if unknown:
        raise fail(name, f"accepts only 'access' and 'refresh', got {unknown!r}")
    return frozenset(items)


def to_delta(name: str, value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise type_error(name, "a timedelta or an int number of seconds", value)


def check_expires(name: str, value: object) -> timedelta | Literal[False]:
    if value is False:
        return False
    if value is True:
        raise fail(
            name, "only accepts False (bool) to disable expiry, got True; use a timedelta or int seconds"
        )
    delta = to_delta(name, value)
    if delta <= timedelta(0):
        raise fail(name, f"must be a positive duration (or False for no expiry), got {delta}")
    return delta


def check_leeway(name: str, value: object) -> timedelta:
    delta = to_delta(name, value)
    if delta < timedelta(0):
        raise fail(name, f"must not be negative, got {delta}")
    return delta


def check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise type_error(name, "a str", value)
    if not value.strip():
        raise fail(name, "must not be empty")
    return value


def check_optional_text(name: str, value: object) -> str | None:
    return None if value is None else check_text(name, value)


def check_audience(name: str, value: object) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return check_optional_text(name, value)
    items = as_items(name, value)
    if not items:
        raise fail(name, "must list at least one audience")
    return tuple(check_text(name, item) for item in items)


def check_header_name(name: str, value: object) -> str:
    if not HEADER_TOKEN.fullmatch(check_text(name, value)):
        raise fail(name, f"is not a valid HTTP header name: {value!r}")
    return str(value)


def check_header_type(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise type_error(name, "a str or None", value)
    if any(char.isspace() for char in value) or not value.isprintable():
        raise fail(name, f"must be a single word without whitespace, got {value!r}")
    return value


def check_optional_positive_int(name: str, value: object) -> int | None:
    return None if value is None else check_positive_int(name, value)


def check_locations(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, (set, frozenset)):  # no order given: headers first, as fastapi-jwt-auth does
        value = sorted(value, key=lambda item: LOCATIONS.index(item) if item in LOCATIONS else -1)
    items = as_items(name, value)
    unknown = [item for item in items if not isinstance(item, str) or item.lower() not in LOCATIONS]
    if unknown or not items:
        raise fail(name, f"accepts an ordered list of {', '.join(map(repr, LOCATIONS))}, got {items!r}")
    return tuple(dict.fromkeys(item.lower() for item in items))


def check_cookie_name(name: str, value: object) -> str:
    if not HEADER_TOKEN.fullmatch(check_text(name, value)):  # RFC 6265: a cookie name is an HTTP token
        raise fail(name, f"is not a valid cookie name: {value!r}")
    return str(value)


def check_path(name: str, value: object) -> str:
    path = check_text(name, value)
    if not path.startswith("/") or not path.isprintable() or ";" in path or " " in path:
        raise fail(name, f"must be a path starting with '/', got {value!r}")
    return path


def check_samesite(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in SAMESITE:
        raise fail(name, f"must be one of 'strict', 'lax', 'none', got {value!r}")
    return value.lower()


def check_csrf_methods(name: str, value: object) -> frozenset[str]:
    items = as_items(name, value)
    methods = {item.upper() for item in items if isinstance(item, str)}
    safe = methods & SAFE_METHODS
    if safe:
        raise fail(name, f"must not list {sorted(safe)}: GET, HEAD and OPTIONS are never CSRF-checked")
    if len(methods) != len(items) or not methods <= UNSAFE_METHODS:
        raise fail(name, f"accepts only POST, PUT, PATCH and DELETE, got {list(items)!r}")
    return frozenset(methods)


def check_redis_url(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not check_text(name, value).startswith(("redis://", "rediss://", "unix://")):
        raise fail(name, "must be a redis://, rediss:// or unix:// URL")
    return str(value)


def check_redis_cache(name: str, value: object) -> str:
    text = check_text(name, value).strip().lower()
    if text not in ("off", "pubsub"):
        raise fail(
            name,
            f"must be 'pubsub' (remember unrevoked ids, kept current by a subscription) or 'off' "
            f"(one Redis round trip per check), got {value!r}",
        )
    return text


def parse(kind: str, name: str, raw: str) -> Any:
    """Turn a loader's string into a typed value of the given kind (the field's check then validates it)."""
    text, lowered = raw.strip(), raw.strip().lower()
    match kind:
        case "secret":  # taken as-is
            return raw or None
        case "pem":  # env files often carry PEM keys with literal "\n" escapes
            return raw.replace("\\n", "\n") or None
        case "optional":
            return text or None
        case "json":
            try:
                return json.loads(text) if text else None
            except json.JSONDecodeError as exc:
                raise fail(name, f"is not valid JSON: {exc}") from None
        case "float":
            try:
                return float(text)
            except ValueError:
                raise fail(name, f"must be a number, got {raw!r}") from None
        case "bool" if lowered in TRUE or lowered in FALSE:
            return lowered in TRUE
        case "bool":
            raise fail(name, f"must be a bool (true/false, 1/0, yes/no, on/off), got {raw!r}")
        case "expires" if lowered in ("true", "false"):
            return lowered == "true"
        case "int" | "expires":
            try:
                return int(text)
            except ValueError:
                raise fail(name, f"must be an integer, got {raw!r}") from None
        case "audience" if not text.startswith("[") and "," not in text:
            return text or None
        case "list" | "audience" if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                raise fail(name, f"is not a valid JSON array: {exc}") from None
            return items if isinstance(items, list) else [items]
        case "list" | "audience":
            return [item.strip() for item in text.split(",") if item.strip()]
    return text

