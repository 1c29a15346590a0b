"""fastapi-jwt-auth's process-wide configuration: ``load_config``, the denylist loader, the class attributes.

fastapi-jwt-auth 0.5.0 kept its configuration in class attributes of ``AuthConfig`` (``AuthJWT._secret_key``,
``AuthJWT._denylist_enabled``...), written by ``load_config`` and, in its own tests, by hand. This module
keeps that configuration for the compatibility API: reading or writing one of those attributes reads or
changes it, and the ``AuthViews`` built from it is rebuilt at the next use. It only applies to apps that
installed no ``AuthViews``; it never reaches the views, nor an app that installed one.

Missing key material is not an error when the configuration is loaded (0.5.0 loaded an RS256
configuration with only a private key, for a service that only issues tokens); signing or verifying
without the key raises 0.5.0's ``RuntimeError`` then. A short HMAC secret is accepted with a
``WeakSecretWarning`` unless ``authjwt_allow_weak_secret`` is set (``False``: refused, ``True``: silent).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic_core import ValidationError

from ._checks import ENV_PREFIX, NONE_IS_A_VALUE
from ._compat_settings import (
    ALGORITHMS,
    CONFIG_TYPE_ERROR,
    LEGACY_DEFAULTS,
    LEGACY_NAMES,
    bare,
    check_attribute,
    check_one,
    is_legacy,
    key_error,
    settings_pairs,
    typed,
)
from .config import SETTING_ALIASES, AuthViewsConfig
from .core import AuthViews
from .errors import ConfigurationError
from .keys import is_symmetric
from .revocation import MemoryRevocationStore, RevocationCallback
from .tokens import VerifiedToken

__all__ = ["PROCESS", "AuthConfig", "Resolved", "WeakSecretWarning", "check_attribute", "is_legacy"]

logger = logging.getLogger("fastapi_jwt_views")


class WeakSecretWarning(UserWarning):
    """Warned when the compatibility API accepts an HMAC secret shorter than its algorithm needs."""


@dataclass(frozen=True)
class Resolved:
    """The ``AuthViews`` one request or call works with, and which key material it really has.

    ``algorithm`` is the configured signing algorithm; ``keys`` names the key material present (``secret``,
    ``private``, ``public``); ``verify_error`` is raised by every verification when no allowed algorithm
    has its key (0.5.0 raised it for each token).
    """

    authviews: AuthViews
    algorithm: str
    keys: frozenset[str] = frozenset({"secret", "private", "public"})
    verify_error: RuntimeError | None = None
    stand_in: RuntimeError | None = None  # set when missing key material was replaced by a stand-in

    def complete(self) -> AuthViews:
        """The ``AuthViews``, once its key material is all real (else 0.5.0's ``RuntimeError``)."""
        if self.stand_in is not None:
            raise self.stand_in
        return self.authviews

    @classmethod
    def of(cls, authviews: AuthViews) -> Resolved:
        """An installed ``AuthViews``: its configuration was complete when it was built."""
        return cls(authviews, authviews.config.algorithm)

    def signing_algorithm(self, algorithm: str | None) -> str:
        """The algorithm to sign with; raises 0.5.0's errors for an unknown one or one without its key."""
        algorithm = algorithm or self.algorithm
        if algorithm not in ALGORITHMS:
            raise ValueError(f"Algorithm {algorithm} could not be found")
        kind = "secret" if is_symmetric(algorithm) else "private"
        if kind not in self.keys:
            raise key_error(algorithm, kind)
        return algorithm

    def decode(self, token: str) -> VerifiedToken:
        """Verify ``token`` (no revocation check); raise 0.5.0's ``RuntimeError`` without its key."""
        if self.verify_error is not None:
            raise self.verify_error
        return self.authviews.codec.decode(token)


class _ProcessConfig:
    """What ``load_config``, the denylist loaders and the class attributes set, and what is built from it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.settings: dict[str, Any] | None = None  # None: the AUTHJWT_* environment
        self.callback: RevocationCallback | None = None
        self.generation = 0
        self._built: tuple[object, Resolved] | None = None
        self._store: MemoryRevocationStore | None = None  # kept across reconfigurations
        self._variants: dict[object, Resolved] = {}
        self._logged: set[str] = set()  # digests of the short secrets already logged

    def reset(self) -> None:
        """Forget everything set (tests)."""
        with self._lock:
            self.settings, self.callback, self._built = None, None, None
            self._store, self._variants, self._logged = None, {}, set()
            self.generation += 1

    # -- writing ------------------------------------------------------------------------------------------
    def load(self, pairs: Mapping[str, Any]) -> None:
        """Replace the settings, as 0.5.0's ``load_config`` did (0.5.0's other options: defaults)."""
        for name, value in pairs.items():
            check_one(name, value)
        with self._lock:
            resolved = self._build(self._with_environment(dict(pairs)), warn=True)  # cross-field errors now
            self.settings = dict(pairs)
            self.generation += 1
            self._built = ((self.generation, None), resolved)

    def set_attribute(self, attribute: str, value: Any) -> None:
        """``AuthJWT._<setting> = value``: change one setting, as 0.5.0's class attribute did."""
        name = check_attribute(attribute, value)
        with self._lock:
            settings = dict(self.settings if self.settings is not None else self._environment())
            settings[name] = value
            if name == "denylist_enabled":
                settings.pop("blacklist_enabled", None)
            resolved = self._build(self._with_environment(settings), warn=True)
            self.settings = settings
            self.generation += 1
            self._built = ((self.generation, None), resolved)

    def set_callback(self, callback: RevocationCallback | None) -> None:
        with self._lock:
            self.callback = callback
            self.generation += 1

    # -- reading ------------------------------------------------------------------------------------------
    def attribute(self, attribute: str) -> Any:
        """The value of 0.5.0's class attribute ``attribute`` now."""
        if attribute == "_token_in_denylist_callback":
            return self.callback
        if attribute == "_token":
            return None
        name = attribute.removeprefix("_")
        settings = self.settings if self.settings is not None else self._environment()
        for key in (name, SETTING_ALIASES.get(name)):
            if key is not None and key in settings and (settings[key] is not None or key in NONE_IS_A_VALUE):
                value = typed(key, settings[key])
                if name == "csrf_methods" and isinstance(value, (list, tuple, set, frozenset)):
                    value = type(value)(str(method).upper() for method in value)  # as 0.5.0 stored them
                return value
        return LEGACY_DEFAULTS[name]

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> Resolved:
        """The configuration now, built once per change (and per environment when nothing was loaded).

        ``overrides``: settings written on one ``AuthJWT`` instance (``Authorize._secret_key = ...``), which
        in 0.5.0 shadowed the class attribute for that instance only.
        """
        with self._lock:
            key: object = (self.generation, None)
            if self.settings is None:
                key = (self.generation, tuple(self._environment().items()))
            if overrides:
                key = (key, tuple(sorted((name, repr(value)) for name, value in overrides.items())))
                found = self._variants.get(key)
                if found is None:
                    pairs = dict(self.settings if self.settings is not None else self._environment())
                    found = self._build(self._with_environment({**pairs, **overrides}), warn=None)
                    self._variants = {key: found}  # the latest one only: an instance rarely has two
                return found
            if self._built is None or self._built[0] != key:
                pairs = self.settings if self.settings is not None else self._environment()
                # built at a first request (the environment): the log line, but no warning raised there
                self._built = (key, self._build(self._with_environment(dict(pairs)), warn=False))
            return self._built[1]

    @staticmethod
    def _environment() -> dict[str, Any]:
        found = sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX))
        return {bare(k): v for k, v in found}

    def _with_environment(self, pairs: dict[str, Any]) -> dict[str, Any]:
        """Settings 0.5.0 did not have (``AUTHJWT_LEGACY_STATUS_CODES``...) also come from the environment."""
        extra = {k: v for k, v in self._environment().items() if k not in LEGACY_NAMES}
        return {**extra, **pairs}

    # -- building -----------------------------------------------------------------------------------------
    def _build(self, pairs: dict[str, Any], *, warn: bool | None) -> Resolved:
        """``warn``: a short secret is logged, and with True also warned (``WeakSecretWarning``)."""
        values = {
            name: typed(name, value)
            for name, value in pairs.items()
            if value is not None or name in NONE_IS_A_VALUE
        }
        if values.get("redis_url"):
            raise ConfigurationError(
                "AuthJWT's process-wide configuration does not open Redis connections (nothing would close "
                "them): install AuthViews(AuthViewsConfig.from_env()).install(app) on the app instead"
            )
        algorithm = str(values.get("algorithm", "HS256"))
        decode = list(values.get("decode_algorithms") or [algorithm])
        keys = frozenset(k for k in ("secret", "private", "public") if values.get(f"{k}_key") is not None)
        if any(values.get(name) for name in ("verify_keys", "jwks_file", "jwks_url")):
            keys |= {"public"}  # a key set verifies asymmetric tokens (see keys.py)
        usable = [a for a in decode if ("secret" if is_symmetric(a) else "public") in keys]
        verify_error = None
        if not usable:
            verify_error = key_error(decode[0], "secret" if is_symmetric(decode[0]) else "public")
        # Stand-ins for missing key material, so the core accepts the configuration; never used: Resolved
        # raises 0.5.0's error before any signing or verifying that would need them.
        stand_in: RuntimeError | None = None

        def stand_in_secret(error: RuntimeError) -> None:
            nonlocal stand_in
            if "secret" not in keys and "secret_key" not in values:
                values["secret_key"] = secrets.token_bytes(64)
            stand_in = stand_in or error

        if "secret" in keys:
            self._weak_secret(values, [algorithm, *usable], warn=warn)
        elif symmetric := [a for a in (algorithm, *decode) if is_symmetric(a)]:
            stand_in_secret(key_error(symmetric[0], "secret"))
        if "private" in keys and "public" not in keys and not is_symmetric(algorithm):
            values["public_key"] = values["private_key"]
            values["decode_algorithms"] = usable or [algorithm]
            stand_in = stand_in or verify_error
        else:
            values["decode_algorithms"] = usable or ["HS256"]
            if verify_error is not None:
                stand_in_secret(verify_error)
        if not is_symmetric(algorithm) and not keys & {"private", "public"}:
            values["algorithm"] = "HS256"
            stand_in_secret(key_error(algorithm, "private"))
        enabled = values.get("denylist_enabled", values.get("blacklist_enabled"))
        config = AuthViewsConfig.from_pairs(values.items())
        if self._store is None or self._store.capacity != config.revocation_capacity:
            self._store = MemoryRevocationStore(config.revocation_capacity)
        callback = self.callback if enabled else None  # 0.5.0: not called when the denylist is off
        authviews = AuthViews(config, store=self._store, is_revoked=callback)
        return Resolved(authviews, algorithm, keys, verify_error, stand_in)

    def _weak_secret(self, values: dict[str, Any], algorithms: list[str], *, warn: bool | None) -> None:
        if values.get("allow_weak_secret") is not None:
            return  # True: the user opted out; False: the config refuses a short secret (strict)
        secret = values["secret_key"]
        size = len(secret.encode() if isinstance(secret, str) else secret)
        symmetric = [int(a[2:]) for a in algorithms if is_symmetric(a)]
        if not symmetric or size >= max(symmetric) // 8:
            return
        values["allow_weak_secret"] = True
        if warn is not None:
            strongest = max(symmetric)
            message = (
                f"AuthJWT: the HMAC secret is {size} bytes long, shorter than HS{strongest} needs "
                f"({strongest // 8} bytes, RFC 7518): a short secret can be guessed offline from one "
                "token, and then any token can be forged. Accepted for fastapi-jwt-auth compatibility. "
                "Move to a long random secret (python -c 'import secrets; print(secrets.token_hex(32))') "
                "without logging anyone out: make it authjwt_secret_key and keep the old one in "
                "authjwt_verify_keys=[{\"secret\": <old>, \"legacy\": true, \"retire_after\": <date>}] "
                "(docs/keys.md, 'From a short secret to a strong key'). Set "
                "authjwt_allow_weak_secret=False (AUTHJWT_ALLOW_WEAK_SECRET=false) to refuse short secrets, "
                "or True to silence this warning."
            )
            digest = hashlib.sha256(secret.encode() if isinstance(secret, str) else secret).hexdigest()
            if warn or digest not in self._logged:
                logger.warning("%s", message)
            self._logged.add(digest)
            if warn:
                warnings.warn(message, WeakSecretWarning, stacklevel=5)


#: The one process-wide configuration of the compatibility API.
PROCESS: Final = _ProcessConfig()


class _LegacyAttributes(type):
    """Reads and writes of 0.5.0's class attributes reach the process-wide configuration."""

    def __getattr__(cls, name: str) -> Any:
        if is_legacy(name):
            return PROCESS.attribute(name)
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")

    def __setattr__(cls, name: str, value: Any) -> None:
        if name == "_token_in_denylist_callback":
            PROCESS.set_callback(value)
        elif name == "_token":
            raise AttributeError(
                "AuthJWT._token is the token of one request: pass it to a guard (token=...) instead"
            )
        elif is_legacy(name):
            PROCESS.set_attribute(name, value)
        else:
            super().__setattr__(name, value)


class AuthConfig(metaclass=_LegacyAttributes):
    """fastapi-jwt-auth's ``AuthConfig``: the process-wide configuration of ``AuthJWT``."""

    @classmethod
    def load_config(cls, settings: Callable[[], Any]) -> Callable[[], Any]:
        """Decorator: configure every app without an installed ``AuthViews`` from what ``settings()`` returns,
        a pydantic(-settings) object with ``authjwt_*`` fields or a list of ``(name, value)`` tuples."""
        try:
            loaded = settings()
        except (ValidationError, ConfigurationError):
            raise
        except Exception:
            raise TypeError(CONFIG_TYPE_ERROR) from None
        PROCESS.load(settings_pairs(loaded))
        return settings

    @classmethod
    def token_in_denylist_loader(cls, callback: Any) -> Any:
        """Decorator: ``callback(claims)`` tells whether a token is revoked (sync, or async and awaited).

        Process-wide, like :meth:`load_config`; an app that installs an ``AuthViews`` passes ``is_revoked=``.
        """
        PROCESS.set_callback(callback)
        return callback

    token_in_blacklist_loader = token_in_denylist_loader
