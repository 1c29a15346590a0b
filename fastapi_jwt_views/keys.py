"""Key material, prepared once from a configuration.

The key that verifies a token is chosen by the configuration's allow-list, never by the token: a token
whose ``alg`` is not allowed is refused before any key is looked at, and each allowed algorithm has exactly
one key (the secret for HS*, the public key otherwise). That rules out ``alg: none`` and HS/RS key confusion.
"""

from __future__ import annotations

import hashlib
from typing import Any

from jwt.algorithms import Algorithm, get_default_algorithms

from .config import AuthViewsConfig
from .errors import ConfigurationError

__all__ = ["KeySet", "is_symmetric"]

_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm for name, algorithm in get_default_algorithms().items() if name.lower() != "none"
}


def is_symmetric(algorithm: str) -> bool:
    """Tell whether ``algorithm`` is an HMAC algorithm (signed and verified with the shared secret)."""
    return algorithm.startswith("HS")


class KeySet:
    """The prepared signing and verification keys of one configuration."""

    __slots__ = ("_config", "_signing", "_verifying")

    def __init__(self, config: AuthViewsConfig) -> None:
        self._config = config
        self._verifying: dict[str, Any] = {
            algorithm: self._prepare(algorithm, signing=False) for algorithm in config.decode_algorithms
        }
        self._signing: dict[str, Any] = {}
        if is_symmetric(config.algorithm) or config.private_key is not None:
            self._signing[config.algorithm] = self._prepare(config.algorithm, signing=True)
            self._check_pair(config.algorithm)

    def _check_pair(self, algorithm: str) -> None:
        """Refuse a private key that does not match the public key: every token issued would be refused."""
        if is_symmetric(algorithm) or algorithm not in self._verifying:
            return
        implementation = _ALGORITHMS[algorithm]
        probe = b"fastapi-jwt-views key pair check"
        signature = implementation.sign(probe, self._signing[algorithm])
        if not implementation.verify(probe, self._verifying[algorithm], signature):
            raise ConfigurationError(
                f"AUTHJWT_PRIVATE_KEY and AUTHJWT_PUBLIC_KEY are not one key pair for {algorithm}: "
                "tokens signed with this private key would fail verification"
            )

    @property
    def single_verification_key(self) -> Any | None:
        """The one key shared by every allowed algorithm, or None when they need different keys."""
        keys = list(self._verifying.values())
        if all(key is keys[0] or key == keys[0] for key in keys):
            return keys[0]
        return None

    def verification_key(self, algorithm: str) -> Any:
        """The key that verifies ``algorithm``; the caller has checked it against the allow-list."""
        return self._verifying[algorithm]

    def signing_key(self, algorithm: str) -> Any:
        """The key that signs with ``algorithm``; raises ``ConfigurationError`` when none is configured."""
        key = self._signing.get(algorithm)
        if key is None:
            key = self._signing[algorithm] = self._prepare(algorithm, signing=True)
        return key

    def _prepare(self, algorithm: str, *, signing: bool) -> Any:
        implementation = _ALGORITHMS.get(algorithm)
        if implementation is None:
            raise ConfigurationError(f"Unsupported algorithm {algorithm!r}")
        if is_symmetric(algorithm):
            setting, raw = "AUTHJWT_SECRET_KEY", self._config.secret_key
            kind = "symmetric"
        elif signing:
            setting, raw = "AUTHJWT_PRIVATE_KEY", self._config.private_key
            kind = "asymmetric"
        else:
            setting, raw = "AUTHJWT_PUBLIC_KEY", self._config.public_key
            kind = "asymmetric"
        if raw is None:
            raise ConfigurationError(f"{setting} must be set when using {kind} algorithm {algorithm}")
        try:
            key = implementation.prepare_key(raw)
        except Exception as exc:  # PyJWT and cryptography raise several unrelated types here
            raise ConfigurationError(f"{setting} is not a valid key for {algorithm}: {exc}") from exc
        if is_symmetric(algorithm):
            return _padded(algorithm, key)
        family, classes = _key_classes(algorithm)
        if not isinstance(key, classes):  # older PyJWT takes any key here, to fail at the first token
            raise ConfigurationError(
                f"{setting} is not a valid key for {algorithm}: expected an {family} key, "
                f"got {type(key).__name__}"
            )
        return key if signing else self._public_half(key)

    @staticmethod
    def _public_half(key: Any) -> Any:
        if hasattr(key, "public_key"):
            key = key.public_key()  # a private key given as AUTHJWT_PUBLIC_KEY: verify with its public half
        return key


def _key_classes(algorithm: str) -> tuple[str, tuple[type, ...]]:
    """The family name and the ``cryptography`` key classes that fit an asymmetric algorithm."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa  # the crypto extra

    if algorithm.startswith(("RS", "PS")):
        return "RSA", (rsa.RSAPrivateKey, rsa.RSAPublicKey)
    if algorithm.startswith("ES"):
        return "EC", (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)
    return "Ed25519 or Ed448", (
        ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey, ed448.Ed448PrivateKey, ed448.Ed448PublicKey
    )


def _padded(algorithm: str, key: bytes) -> bytes:
    """A short HMAC secret (``AUTHJWT_ALLOW_WEAK_SECRET=true``) right-padded with zero bytes to the hash size.

    HMAC pads every key shorter than the hash's block size with zeros (RFC 2104 §2), so the padded key
    gives the very same signatures; PyJWT, which warns about a key shorter than the hash on every use,
    then has nothing to warn about. No warning filter is touched: those are process-wide state.
    """
    size = hashlib.new(f"sha{algorithm[2:]}").digest_size  # HS256 -> 32 bytes, under its block size
    return key.ljust(size, b"\x00") if len(key) < size else key
