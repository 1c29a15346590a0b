"""Key material, prepared once from a configuration.

The key that verifies a token is chosen by the configuration's allow-list, never by the token: a token
whose ``alg`` is not allowed is refused before any key is looked at, and each allowed algorithm has exactly
one key (the secret for HS*, the public key otherwise). That rules out ``alg: none`` and HS/RS key confusion.
"""

from __future__ import annotations

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
        if not signing and hasattr(key, "public_key"):
            key = key.public_key()  # a private key given as AUTHJWT_PUBLIC_KEY: verify with its public half
        return key
