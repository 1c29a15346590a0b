"""``AuthViewsConfig``: every setting, its type, default and validation, and the loaders that build it.

A configuration is validated when it is built, so a bad setting stops the application at start-up; error
messages name the setting by its environment name (``AUTHJWT_SECRET_KEY``). To add a setting, add one field
below with ``_setting(check, parse, default=...)``: ``check`` (from ``_checks``) normalises a typed value
(or raises) and ``parse`` names how a string from a loader becomes a typed value.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from datetime import timedelta
from typing import Any, Literal

from ._checks import (
    ACCESS_EXPIRES,
    CSRF_METHODS,
    ENV_PREFIX,
    NO_LEEWAY,
    NONE_IS_A_VALUE,
    REFRESH_EXPIRES,
    TOKEN_TYPES,
    UNSET,
    check_algorithm,
    check_algorithms,
    check_audience,
    check_bool,
    check_cookie_name,
    check_csrf_methods,
    check_expires,
    check_header_name,
    check_header_type,
    check_key,
    check_leeway,
    check_locations,
    check_non_negative_int,
    check_optional_positive_int,
    check_optional_text,
    check_path,
    check_positive_int,
    check_redis_cache,
    check_redis_url,
    check_samesite,
    check_text,
    check_token_checks,
    env_name,
    parse,
)
from ._key_checks import check_identity_claim, check_jwks_url, check_positive_number, check_verify_keys
from ._settings_sources import ignored_names
from ._startup import check_config
from .errors import ConfigurationError
from .scopes import check_scope_claim

__all__ = ["ENV_PREFIX", "SETTING_ALIASES", "AuthViewsConfig"]

SETTING_ALIASES: Mapping[str, str] = {
    "denylist_enabled": "blacklist_enabled",
    "denylist_token_checks": "blacklist_token_checks",
}


def _setting(
    check: Callable[[str, Any], Any],
    parse: str = "text",
    *,
    default: Any = UNSET,
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

    secret_key: str | bytes | None = _setting(check_key, "secret", default=None, secret=True)
    allow_weak_secret: bool = _setting(check_bool, "bool", default=False)
    algorithm: str = _setting(
        check_algorithm,
        fallback=lambda config: "HS256" if config.decode_algorithms is UNSET else config.decode_algorithms[0],
    )
    decode_algorithms: tuple[str, ...] = _setting(
        check_algorithms, "list", fallback=lambda config: (config.algorithm,)
    )
    private_key: str | bytes | None = _setting(check_key, "pem", default=None, secret=True)
    public_key: str | bytes | None = _setting(check_key, "pem", default=None)
    access_token_expires: timedelta | Literal[False] = _setting(  # noqa: RUF009
        check_expires, "expires", default=ACCESS_EXPIRES
    )
    refresh_token_expires: timedelta | Literal[False] = _setting(  # noqa: RUF009
        check_expires, "expires", default=REFRESH_EXPIRES
    )
    blacklist_enabled: bool = _setting(check_bool, "bool", fallback=lambda config: False)
    blacklist_token_checks: frozenset[str] = _setting(
        check_token_checks, "list", fallback=lambda config: TOKEN_TYPES
    )
    decode_leeway: timedelta = _setting(check_leeway, "int", default=NO_LEEWAY)  # noqa: RUF009
    encode_issuer: str | None = _setting(check_optional_text, "optional", default=None)
    decode_issuer: str | None = _setting(check_optional_text, "optional", default=None)
    encode_audience: str | tuple[str, ...] | None = _setting(check_audience, "audience", default=None)
    decode_audience: str | tuple[str, ...] | None = _setting(check_audience, "audience", default=None)
    header_name: str = _setting(check_header_name, default="Authorization")
    header_type: str = _setting(check_header_type, default="Bearer")
    max_token_size: int = _setting(check_positive_int, "int", default=8192)
    revocation_capacity: int = _setting(check_positive_int, "int", default=100_000)
    session_capacity: int = _setting(check_positive_int, "int", default=100_000)
    sessions_per_identity: int = _setting(check_positive_int, "int", default=100)
    token_cache_size: int = _setting(check_non_negative_int, "int", default=1024)
    # Where tokens travel (see locations.py); cookie and CSRF names and defaults are fastapi-jwt-auth's.
    token_location: tuple[str, ...] = _setting(check_locations, "list", default=("headers",))
    query_string_name: str = _setting(check_cookie_name, default="token")
    access_cookie_key: str = _setting(check_cookie_name, default="access_token_cookie")
    refresh_cookie_key: str = _setting(check_cookie_name, default="refresh_token_cookie")
    access_cookie_path: str = _setting(check_path, default="/")
    refresh_cookie_path: str = _setting(check_path, default="/")
    cookie_max_age: int | None = _setting(check_optional_positive_int, "int", default=None)
    cookie_domain: str | None = _setting(check_optional_text, "optional", default=None)
    cookie_secure: bool = _setting(check_bool, "bool", default=False)
    cookie_samesite: str | None = _setting(check_samesite, "optional", default="lax")
    cookie_csrf_protect: bool = _setting(check_bool, "bool", default=True)
    access_csrf_cookie_key: str = _setting(check_cookie_name, default="csrf_access_token")
    refresh_csrf_cookie_key: str = _setting(check_cookie_name, default="csrf_refresh_token")
    access_csrf_cookie_path: str = _setting(check_path, default="/")
    refresh_csrf_cookie_path: str = _setting(check_path, default="/")
    access_csrf_header_name: str = _setting(check_header_name, default="X-CSRF-Token")
    refresh_csrf_header_name: str = _setting(check_header_name, default="X-CSRF-Token")
    csrf_methods: frozenset[str] = _setting(check_csrf_methods, "list", default=CSRF_METHODS)
    # Revocation stores, refresh-token rotation and the fastapi-jwt-auth compatibility API.
    redis_url: str | None = _setting(check_redis_url, "optional", default=None, secret=True)
    redis_key_prefix: str = _setting(check_text, default="fastapi_jwt_views:")
    redis_startup_check: bool = _setting(check_bool, "bool", default=True)
    redis_cache: str = _setting(check_redis_cache, default="pubsub")
    revocation_fail_open: bool = _setting(check_bool, "bool", default=False)
    refresh_token_rotation: bool = _setting(check_bool, "bool", default=False)
    legacy_status_codes: bool = _setting(check_bool, "bool", default=True)
    scope_claim: str = _setting(check_scope_claim, default="scope")  # see scopes.py
    # Key sets, rotation and identity providers (see keys.py, remote_keys.py and docs/keys.md).
    key_id: str | None = _setting(check_optional_text, "optional", default=None)
    verify_keys: tuple[Any, ...] = _setting(check_verify_keys, "json", default=(), secret=True)
    jwks_file: str | None = _setting(check_optional_text, "optional", default=None)
    jwks_url: str | None = _setting(check_jwks_url, "optional", default=None)
    jwks_cache_seconds: int = _setting(check_positive_int, "int", default=300)
    jwks_refetch_seconds: int = _setting(check_positive_int, "int", default=30)
    jwks_timeout: float = _setting(check_positive_number, "float", default=5.0)
    foreign_tokens: bool = _setting(check_bool, "bool", default=False)
    identity_claim: str = _setting(check_identity_claim, default="sub")
    # Aliases (see SETTING_ALIASES), in the same order; they are not stored.
    denylist_enabled: InitVar[Any] = UNSET
    denylist_token_checks: InitVar[Any] = UNSET

    def __post_init__(self, *alias_values: Any) -> None:
        fields = {f.name: f for f in dataclasses.fields(self)}
        for f in fields.values():
            if getattr(self, f.name) is not UNSET:
                object.__setattr__(self, f.name, f.metadata["check"](f.name, getattr(self, f.name)))
        for (alias, target), value in zip(SETTING_ALIASES.items(), alias_values, strict=True):
            if value is UNSET:
                continue
            value = fields[target].metadata["check"](alias, value)
            if getattr(self, target) not in (UNSET, value):
                raise ConfigurationError(
                    f"{env_name(target)} and its alias {env_name(alias)} are set to different values"
                )
            object.__setattr__(self, target, value)
        for f in fields.values():
            if getattr(self, f.name) is UNSET:
                object.__setattr__(self, f.name, f.metadata["fallback"](self))
        self.check_keys()
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
        if self.foreign_tokens and (self.decode_issuer is None or self.decode_audience is None):
            raise ConfigurationError(
                "AUTHJWT_FOREIGN_TOKENS=true needs AUTHJWT_DECODE_ISSUER and AUTHJWT_DECODE_AUDIENCE: "
                "a token another service issued is yours to accept only when it names your issuer and "
                "audience"
            )
        if self.identity_claim != "sub" and not self.foreign_tokens:
            raise ConfigurationError(
                "AUTHJWT_IDENTITY_CLAIM applies to tokens another service issued: "
                "set AUTHJWT_FOREIGN_TOKENS=true"
            )
        if self.jwks_url is not None and self.jwks_file is not None:
            raise ConfigurationError("AUTHJWT_JWKS_URL and AUTHJWT_JWKS_FILE are both set: use one of them")
        from .keys import key_set  # parse every key now, so bad key material stops the app here

        key_set(self)
        check_config(self)  # settings that refuse the app's own tokens; a guessable secret is logged

    def check_keys(self) -> None:
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
        key_sets = self.jwks_url or self.jwks_file or self.verify_keys
        if asymmetric and self.public_key is None and not key_sets:
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
        return {f.name: env_name(f.name) for f in dataclasses.fields(cls)}

    @classmethod
    def _resolve(cls, key: object) -> str:
        if not isinstance(key, str):
            raise ConfigurationError(f"Setting names must be str, got {type(key).__name__}")
        name = key.strip().lower().removeprefix(ENV_PREFIX.lower())
        known = [*cls.env_names(), *SETTING_ALIASES]
        if name in known:
            return name
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {env_name(close[0])}?" if close else ""
        raise ConfigurationError(f"Unknown setting {env_name(name)} (from {key!r}){hint}")

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
                raise ConfigurationError(f"{env_name(name)} is set more than once")
            if value is None and name not in NONE_IS_A_VALUE:
                continue  # an Optional settings field left at None (fastapi-jwt-auth style): the default
            if isinstance(value, str):
                value = parse(fields[SETTING_ALIASES.get(name, name)].metadata["parse"], name, value)
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
        """Build from the ``authjwt_*`` fields of a pydantic(-settings) object, a mapping or any object.

        For a pydantic-settings object, an ``AUTHJWT_*`` variable of the environment or of its ``env_file``
        that it has no field for (a typo, or a setting it does not declare) is an error: it was ignored.
        """
        for variable, name, where in ignored_names(obj):
            try:
                cls._resolve(name)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{exc} Set in {where}; {type(obj).__name__} ignored it.") from None
            raise ConfigurationError(
                f"{variable} is set in {where} but {type(obj).__name__} has no field {name.lower()}, so "
                "pydantic-settings ignored it: add the field, or use AuthViewsConfig.from_env()"
            )
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
