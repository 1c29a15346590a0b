"""Checks of a whole configuration, run when it is built (see :mod:`fastapi_jwt_views.config`).

Each field is valid on its own by then; these catch combinations that make the application refuse its own
tokens (raised as ``ConfigurationError``), and secrets that are long enough but guessable (logged as a
warning at start-up: a heuristic cannot be sure enough to stop an application).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .config import AuthViewsConfig

__all__ = ["check_config", "secret_warnings"]

logger = logging.getLogger("fastapi_jwt_views")
# Each warning is logged once per secret: a configuration may be built many times (``replace()``, the
# compatibility API's environment fallback), and a log line per build would bury it. Only digests are kept.
_logged: set[bytes] = set()
_logged_lock = threading.Lock()

# -- secrets that are long enough but not random -----------------------------------------------------------
#: Secrets shown in documentation (ours, fastapi-jwt-auth's and common tutorials'), compared lower-cased.
KNOWN_SECRETS: Final = frozenset(
    {
        "change-me-to-32-random-bytes-or-more",
        "a-secret-of-at-least-32-bytes-for-hs256!",
        "secret",
        "changeme",
        "change-me",
        "change_me",
        "your-secret-key",
        "your_secret_key",
        "your-256-bit-secret",
        "your-512-bit-secret",
        "my-secret-key",
        "mysecretkey",
        "supersecret",
        "super-secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "jwt-secret",
        "jwt_secret",
    }
)
#: Below this estimate a secret is reported: a random 128-bit secret estimates at 80 bits or more.
MIN_SECRET_BITS: Final = 64


def estimated_bits(secret: bytes) -> float:
    """A rough, low estimate of the randomness in ``secret``, in bits.

    Every byte costs ``log2(distinct bytes)`` bits, except a byte that repeats or continues its neighbour
    (``aaaa``, ``1234``: 1 bit) and a run of 3 or more bytes seen earlier (``secretsecret``: 8 bits for the
    whole run, as a compressor would spell it).
    """
    data = secret[:1024]
    distinct = len(set(data))
    if distinct < 2:
        return 0.0
    per_byte, total, index = math.log2(distinct), 0.0, 0
    while index < len(data):
        length = 3
        while (
            index + length <= len(data)
            and data.find(data[index : index + length], 0, index + length - 1) >= 0
        ):
            length += 1
        if length > 3:  # data[index:index + length - 1] occurred before (overlaps allowed, as in LZ77)
            total += 8
            index += length - 1
            continue
        predictable = index and abs(data[index] - data[index - 1]) <= 1
        total += 1 if predictable else per_byte
        index += 1
    return total


def secret_warnings(config: AuthViewsConfig) -> list[str]:
    """Why the HMAC secret of ``config`` looks guessable or short (empty when it does not)."""
    symmetric = [alg for alg in (config.algorithm, *config.decode_algorithms) if alg.startswith("HS")]
    if not symmetric or config.secret_key is None:
        return []
    secret = config.secret_key.encode() if isinstance(config.secret_key, str) else config.secret_key
    found = []
    strongest = max(symmetric, key=lambda alg: int(alg[2:]))
    minimum = int(strongest[2:]) // 8
    if len(secret) < minimum:  # only reachable with AUTHJWT_ALLOW_WEAK_SECRET=true
        found.append(
            f"AUTHJWT_SECRET_KEY is {len(secret)} bytes long, shorter than the {minimum} bytes "
            f"{strongest} needs (RFC 7518 §3.2); accepted because AUTHJWT_ALLOW_WEAK_SECRET=true"
        )
    fix = "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
    if secret.strip().lower().decode("utf-8", "replace") in KNOWN_SECRETS:
        found.append(f"AUTHJWT_SECRET_KEY is an example secret from documentation; {fix}")
    elif estimated_bits(secret) < MIN_SECRET_BITS:
        found.append(
            f"AUTHJWT_SECRET_KEY looks guessable (repeated characters, a sequence or a padded word: about "
            f"{estimated_bits(secret):.0f} bits of randomness, {MIN_SECRET_BITS} at least expected); {fix}"
        )
    return found


# -- combinations under which the application refuses its own tokens ---------------------------------------
def _audiences(value: str | tuple[str, ...] | None) -> set[str]:
    return set() if value is None else {value} if isinstance(value, str) else set(value)


def _can_sign(config: AuthViewsConfig) -> bool:
    return config.algorithm.startswith("HS") or config.private_key is not None


#: Signature sizes in bytes (RSA: at least a 1024-bit key, a lower bound; EdDSA: Ed25519, the smaller).
_SIGNATURE_BYTES: Final = {
    "RS": 128,
    "PS": 128,
    "ES256": 64,
    "ES384": 96,
    "ES512": 132,
    "ES521": 132,
    "Ed": 64,
}


def _signature_bytes(algorithm: str) -> int:
    if algorithm.startswith("HS"):
        return hashlib.new(f"sha{algorithm[2:]}").digest_size
    for prefix in (algorithm, algorithm[:5], algorithm[:2]):
        size = _SIGNATURE_BYTES.get(prefix)
        if size is not None:
            return size
    return 64  # ES256K, ES521 spelled otherwise: as small as the smallest


def _b64_length(data: dict[str, Any]) -> int:
    size = len(json.dumps(data, separators=(",", ":")).encode())  # PyJWT's own serialisation
    return (4 * size + 2) // 3  # unpadded base64url


def shortest_token(config: AuthViewsConfig, token_type: str) -> int:
    """The length of the shortest token of ``token_type`` this configuration issues (identity ``""``)."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "", "iat": now, "nbf": now, "jti": "0" * 36, "type": token_type}
    if token_type == "access":
        claims["fresh"] = True
    if config.cookie_csrf_protect and "cookies" in config.token_location:  # see TokenCodec.include_csrf
        claims["csrf"] = "0" * 32  # secrets.token_urlsafe(24)
    expires = config.access_token_expires if token_type == "access" else config.refresh_token_expires
    if isinstance(expires, timedelta):
        claims["exp"] = now + int(expires.total_seconds())
    if config.encode_issuer is not None:
        claims["iss"] = config.encode_issuer
    if config.encode_audience is not None:
        aud = config.encode_audience
        claims["aud"] = aud if isinstance(aud, str) else list(aud)
    from .keys import key_set  # built (and its key material checked) before the checks run

    header = {"alg": config.algorithm, "typ": "JWT", "kid": key_set(config).signer(config.algorithm)[0]}
    signature = (4 * _signature_bytes(config.algorithm) + 2) // 3
    return _b64_length(header) + 1 + _b64_length(claims) + 1 + signature


def _problems(config: AuthViewsConfig) -> Iterable[str]:
    if config.algorithm not in config.decode_algorithms:
        yield (
            f"AUTHJWT_ALGORITHM {config.algorithm} is missing from AUTHJWT_DECODE_ALGORITHMS "
            f"{list(config.decode_algorithms)}: every token this app signs would be refused; add it"
        )
    encode, decode = _audiences(config.encode_audience), _audiences(config.decode_audience)
    if encode and not encode & decode:
        yield (
            f"AUTHJWT_ENCODE_AUDIENCE {sorted(encode)} is not accepted by AUTHJWT_DECODE_AUDIENCE "
            f"{sorted(decode) or None}: every token this app issues would be refused (a token with aud is "
            "refused where no audience is configured, RFC 7519 §4.1.3); "
            "set AUTHJWT_DECODE_AUDIENCE to include it"
        )
    if config.encode_issuer and config.decode_issuer and config.encode_issuer != config.decode_issuer:
        yield (
            f"AUTHJWT_ENCODE_ISSUER {config.encode_issuer!r} differs from AUTHJWT_DECODE_ISSUER "
            f"{config.decode_issuer!r}: every token this app issues would be refused"
        )
    if _can_sign(config):
        for token_type in ("access", "refresh"):
            size = shortest_token(config, token_type)
            if size > config.max_token_size:
                yield (
                    f"AUTHJWT_MAX_TOKEN_SIZE is {config.max_token_size} but the shortest {token_type} token "
                    f"this configuration issues is {size} characters long (before any identity or claims "
                    "of yours): every one would be refused; raise AUTHJWT_MAX_TOKEN_SIZE"
                )
                break


def check_config(config: AuthViewsConfig) -> None:
    """Raise for a configuration that refuses its own tokens; log a warning for a guessable secret."""
    for problem in _problems(config):
        raise ConfigurationError(problem)
    for warning in secret_warnings(config):
        secret = (
            config.secret_key.encode() if isinstance(config.secret_key, str) else config.secret_key or b""
        )
        digest = hashlib.sha256(secret + b"\x00" + warning.encode()).digest()
        with _logged_lock:
            if digest in _logged:
                continue
            if len(_logged) < 1024:  # bounded: past that, warnings are logged every time
                _logged.add(digest)
        logger.warning(warning)
