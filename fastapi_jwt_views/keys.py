"""Key material, prepared once from a configuration: the active signing keys and every key that verifies.

Every token this library signs names its key in a ``kid`` header. The key that verifies a token is found
by that ``kid`` in a dict built at start-up, and its algorithm must be in the configuration's allow-list and
fit the key: the token never chooses a key by its ``alg`` alone, so ``alg: none`` and HS/RS confusion are
ruled out. An unknown ``kid`` is refused, never guessed.

A token without ``kid`` (issued before key ids existed) is verified with the active key of its algorithm,
then with the one verification key marked ``legacy``, if it has one that fits (at most two tries, always
in that order).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jwt.algorithms import Algorithm, get_default_algorithms

from ._jwk import (
    any_algorithm,
    fits,
    hmac_kid,
    is_private,
    key_kind,
    looks_asymmetric,
    parse_asymmetric,
    prepare_key,
    public_jwk,
    read_jwk,
    read_jwks_file,
    same_key,
    thumbprint,
)
from .errors import ConfigurationError

if TYPE_CHECKING:
    from .config import AuthViewsConfig

__all__ = ["KeyEntry", "KeySet", "VerificationKey", "is_symmetric", "key_set"]

_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm for name, algorithm in get_default_algorithms().items() if name.lower() != "none"
}


def is_symmetric(algorithm: str) -> bool:
    """Tell whether ``algorithm`` is an HMAC algorithm (signed and verified with the shared secret)."""
    return algorithm.startswith("HS")


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A key that verifies tokens but never signs them: a former signing key kept after a rotation.

    ``key`` is an HMAC secret (for HS* algorithms), a PEM public key or a public JWK (a mapping);
    ``algorithm`` defaults to every allowed algorithm that fits the key; ``kid`` to the derived id (what
    tokens signed with it carry when it was the active key without an explicit ``AUTHJWT_KEY_ID``).
    After ``retire_after`` (a timezone-aware datetime) its tokens are refused. ``legacy=True`` (one key
    at most) also verifies tokens without ``kid``: those issued with it before key ids existed.
    """

    key: str | bytes | Mapping[str, Any]
    algorithm: str | None = None
    kid: str | None = None
    retire_after: datetime | None = None
    legacy: bool = False

    def __hash__(self) -> int:
        key = json.dumps(dict(self.key), sort_keys=True) if isinstance(self.key, Mapping) else self.key
        return hash((key, self.algorithm, self.kid, self.retire_after, self.legacy))


@dataclass(slots=True)
class KeyEntry:
    """One verification key: its id, the prepared key per algorithm it verifies, and when it retires."""

    kid: str
    keys: dict[str, Any]
    retire_at: float | None = None
    active: bool = False
    public: list[dict[str, Any]] = field(default_factory=list)  # its public JWKs (asymmetric keys only)


class KeySet:
    """The prepared signing and verification keys of one configuration."""

    __slots__ = ("_config", "_legacy", "_signing", "by_kid")

    def __init__(self, config: AuthViewsConfig) -> None:
        self._config = config
        self._signing: dict[str, tuple[str, Any]] = {}  # algorithm -> (kid, key)
        self.by_kid: dict[str, KeyEntry] = {}
        self._legacy: dict[str, list[tuple[Any, float | None]]] = {}  # algorithm -> keys for kid-less tokens
        verifying = self._verifying()
        if is_symmetric(config.algorithm) or config.private_key is not None:
            self._sign_with(config.algorithm)
            self._check_pair(config.algorithm, verifying)
        for algorithm, key in verifying.items():
            if algorithm is None:
                continue
            self._add(self._kid_of(algorithm, key), algorithm, key, None, "AUTHJWT_KEY_ID", active=True)
            self._legacy.setdefault(algorithm, []).append((key, None))
        for index, verification_key in enumerate(config.verify_keys):
            self._add_verification_key(verification_key, f"AUTHJWT_VERIFY_KEYS[{index}]")
        if config.jwks_file is not None:
            for jwk in read_jwks_file(config.jwks_file):
                key, algorithms, kid = read_jwk(jwk, "AUTHJWT_JWKS_FILE", config.decode_algorithms)
                for algorithm in algorithms:
                    self._add(kid, algorithm, key, None, "AUTHJWT_JWKS_FILE")
        covered = {algorithm for entry in self.by_kid.values() for algorithm in entry.keys}
        for algorithm in config.decode_algorithms:
            if algorithm not in covered and config.jwks_url is None:
                kind = key_kind(verifying[None]) if None in verifying else None
                raise ConfigurationError(
                    f"AUTHJWT_PUBLIC_KEY is not a valid key for {algorithm}: got a {kind} key, and no key of "
                    "AUTHJWT_VERIFY_KEYS or AUTHJWT_JWKS_FILE verifies it"
                    if kind
                    else f"AUTHJWT_PUBLIC_KEY must be set when using asymmetric algorithm {algorithm}"
                )

    # -- building ---------------------------------------------------------------------------------------
    def _verifying(self) -> dict[Any, Any]:
        """The active verification key of each allowed algorithm it fits (``None``: the public key itself)."""
        config, verifying = self._config, dict[Any, Any]()
        asymmetric = [alg for alg in (config.algorithm, *config.decode_algorithms) if not is_symmetric(alg)]
        public = None
        if config.public_key is not None and asymmetric:
            public = parse_asymmetric(config.public_key, "AUTHJWT_PUBLIC_KEY", asymmetric)
            if is_private(public):
                public = public.public_key()  # a private key given as AUTHJWT_PUBLIC_KEY: its public half
            verifying[None] = public
            if not is_symmetric(config.algorithm) and not fits(config.algorithm, key_kind(public)):
                prepare_key(config.algorithm, config.public_key, "AUTHJWT_PUBLIC_KEY")  # raises, naming it
        for algorithm in config.decode_algorithms:
            if is_symmetric(algorithm):
                verifying[algorithm] = self._prepare(algorithm, signing=False)
            elif public is not None and fits(algorithm, key_kind(public)):
                verifying[algorithm] = public
        return verifying

    def _kid_of(self, algorithm: str, key: Any) -> str:
        """The id of an active key: ``AUTHJWT_KEY_ID`` for the key of ``AUTHJWT_ALGORITHM``, else derived."""
        if self._config.key_id is not None and fits(self._config.algorithm, key_kind(key)):
            return self._config.key_id
        return hmac_kid(self._secret()) if is_symmetric(algorithm) else thumbprint(key, algorithm)

    def _secret(self) -> bytes:
        secret = self._config.secret_key or b""
        return secret.encode() if isinstance(secret, str) else secret

    def _add(
        self,
        kid: str,
        algorithm: str,
        key: Any,
        retire_at: float | None,
        setting: str,
        *,
        active: bool = False,
    ) -> None:
        entry = self.by_kid.get(kid)
        if entry is None:
            entry = self.by_kid[kid] = KeyEntry(kid, {}, retire_at, active)
        else:  # the same key given twice (say as AUTHJWT_PUBLIC_KEY and in a JWKS) is one key
            known_algorithm, known = next(iter(entry.keys.items()))
            if not same_key(known, key, known_algorithm):
                raise ConfigurationError(f"{setting}: key id {kid!r} is already used by another key")
            entry.active = entry.active or active
            retire = (entry.retire_at, retire_at)
            entry.retire_at = None if None in retire else max(retire)  # type: ignore[type-var]
        entry.keys[algorithm] = key
        if not is_symmetric(algorithm):
            # One JWK per key: with ``alg`` when the key verifies one algorithm, without (any that fits
            # the key, RFC 7517 §4.4) when it verifies several.
            jwk = public_jwk(key, algorithm, kid)
            if len(entry.keys) > 1:
                del jwk["alg"]
            entry.public[:] = [jwk]

    def _add_verification_key(self, spec: VerificationKey, setting: str) -> None:
        retire_at = spec.retire_after.timestamp() if spec.retire_after is not None else None
        if isinstance(spec.key, Mapping):
            allowed = [spec.algorithm] if spec.algorithm else self._config.decode_algorithms
            key, found, kid = read_jwk(spec.key, setting, allowed)
            algorithms = list(found)
            if not algorithms:
                raise ConfigurationError(f"{setting}: the key verifies none of {list(allowed)}")
            kid = spec.kid or kid
            prepared = dict.fromkeys(algorithms, key)
        else:
            raw, wanted, decode = spec.key, spec.algorithm, self._config.decode_algorithms
            if is_symmetric(wanted or "") or (wanted is None and not looks_asymmetric(raw)):
                secret = raw.encode() if isinstance(raw, str) else raw
                kid = spec.kid or hmac_kid(secret)
                algorithms = [alg for alg in decode if is_symmetric(alg) and wanted in (None, alg)]
                prepared = {alg: prepare_key(alg, raw, setting) for alg in algorithms}
                what = wanted or "an HMAC algorithm"
            else:
                key = parse_asymmetric(raw, setting, [wanted] if wanted else [])
                if is_private(key):
                    raise ConfigurationError(
                        f"{setting} is a private key where a public one belongs: give the public key only"
                    )
                kind = key_kind(key)
                if wanted is not None and not fits(wanted, kind):
                    raise ConfigurationError(f"{setting} is not a valid key for {wanted}: got a {kind} key")
                algorithms = [alg for alg in decode if fits(alg, kind) and wanted in (None, alg)]
                kid = spec.kid or thumbprint(key, any_algorithm(kind))
                prepared = dict.fromkeys(algorithms, key)
                what = wanted or f"an algorithm for its {kind} key"
            if not algorithms:
                raise ConfigurationError(
                    f"{setting}: AUTHJWT_DECODE_ALGORITHMS {list(decode)} has no {what}: add the algorithm "
                    "this key signed with, or the tokens it signed are refused"
                )
        for alg, key in prepared.items():
            self._add(kid, alg, key, retire_at, setting)
        if spec.legacy:
            for alg, key in prepared.items():
                self._legacy.setdefault(alg, []).append((key, retire_at))

    def _sign_with(self, algorithm: str) -> tuple[str, Any]:
        key = self._prepare(algorithm, signing=True)
        public = key if is_symmetric(algorithm) else key.public_key()
        signing = self._signing[algorithm] = (self._kid_of(algorithm, public), key)
        return signing

    def _check_pair(self, algorithm: str, verifying: dict[str, Any]) -> None:
        """Refuse a private key that does not match the public key: every token issued would be refused."""
        if is_symmetric(algorithm) or algorithm not in verifying:
            return
        implementation = _ALGORITHMS[algorithm]
        probe = b"fastapi-jwt-views key pair check"
        signature = implementation.sign(probe, self._signing[algorithm][1])
        if not implementation.verify(probe, verifying[algorithm], signature):
            raise ConfigurationError(
                f"AUTHJWT_PRIVATE_KEY and AUTHJWT_PUBLIC_KEY are not one key pair for {algorithm}: "
                "tokens signed with this private key would fail verification"
            )

    # -- using ------------------------------------------------------------------------------------------
    def legacy_keys(self, algorithm: str) -> list[tuple[Any, float | None]]:
        """The keys that verify a token without ``kid`` of ``algorithm``, in the order they are tried."""
        return self._legacy.get(algorithm, [])

    def verification_key(self, algorithm: str) -> Any:
        """The active key that verifies ``algorithm``; the caller has checked it against the allow-list."""
        return self._legacy[algorithm][0][0]

    def signing_key(self, algorithm: str) -> Any:
        """The key that signs with ``algorithm``; raises ``ConfigurationError`` when none is configured."""
        return self.signer(algorithm)[1]

    def signer(self, algorithm: str) -> tuple[str, Any]:
        """``(kid, key)`` that signs with ``algorithm``; ``ConfigurationError`` when none is configured."""
        signing = self._signing.get(algorithm)
        if signing is None:
            signing = self._sign_with(algorithm)
        return signing

    def public_jwks(self, now: float) -> list[dict[str, Any]]:
        """The public JWKs of every asymmetric key not retired at ``now``: never a private or HMAC key."""
        return [
            jwk
            for entry in self.by_kid.values()
            if entry.retire_at is None or entry.retire_at > now
            for jwk in entry.public
        ]

    def _prepare(self, algorithm: str, *, signing: bool) -> Any:
        if algorithm not in _ALGORITHMS:
            raise ConfigurationError(f"Unsupported algorithm {algorithm!r}")
        if is_symmetric(algorithm):
            setting, raw, kind = "AUTHJWT_SECRET_KEY", self._config.secret_key, "symmetric"
        elif signing:
            setting, raw, kind = "AUTHJWT_PRIVATE_KEY", self._config.private_key, "asymmetric"
        else:
            setting, raw, kind = "AUTHJWT_PUBLIC_KEY", self._config.public_key, "asymmetric"
        if raw is None:
            raise ConfigurationError(f"{setting} must be set when using {kind} algorithm {algorithm}")
        key = prepare_key(algorithm, raw, setting)
        if not signing and is_private(key):
            key = key.public_key()  # a private key given as AUTHJWT_PUBLIC_KEY: verify with its public half
        return key


def key_set(config: AuthViewsConfig) -> KeySet:
    """The key set of ``config``, built once per distinct configuration (keys are parsed once); with
    ``AUTHJWT_JWKS_FILE`` built each time, since the file may change between two equal configurations."""
    return KeySet(config) if config.jwks_file is not None else _cached_key_set(config)


@functools.lru_cache(maxsize=64)
def _cached_key_set(config: AuthViewsConfig) -> KeySet:
    return KeySet(config)
