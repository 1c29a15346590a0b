"""Key material: reading PEMs, secrets and JWKs, which algorithms fit a key, RFC 7638 thumbprints, key ids.

Used by :mod:`fastapi_jwt_views.keys` (key sets), :mod:`fastapi_jwt_views.jwks` (publishing) and
:mod:`fastapi_jwt_views.remote_keys` (an identity provider's JWKS). Nothing here touches a request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from jwt.algorithms import get_default_algorithms

from .errors import ConfigurationError

__all__ = [
    "any_algorithm",
    "fits",
    "hmac_kid",
    "is_private",
    "key_kind",
    "looks_asymmetric",
    "padded",
    "parse_asymmetric",
    "prepare_key",
    "public_jwk",
    "read_jwk",
    "read_jwks_file",
    "same_key",
    "thumbprint",
]

_ALGORITHMS: Final = {name: alg for name, alg in get_default_algorithms().items() if name.lower() != "none"}
#: RFC 7638 §3.2: the members of each key type that enter its thumbprint.
_REQUIRED: Final = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
_EC_CURVES: Final = {
    "ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES521": "P-521", "ES256K": "secp256k1"
}
#: Private members of a JWK (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2): never in a verification key.
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_KID_LABEL: Final = b"fastapi-jwt-views key id v1"
#: An algorithm of each key type, to read and write its JWK (any algorithm of the type would do).
_FAMILY: Final = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_kind(key: Any) -> str:
    """The JWK key type of a prepared key: ``oct`` (HMAC bytes), ``RSA``, ``EC:<curve>`` or ``OKP``."""
    if isinstance(key, bytes):
        return "oct"
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa  # the crypto extra

    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RSA"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        names = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521", "secp256k1": "secp256k1"}
        return f"EC:{names.get(key.curve.name, key.curve.name)}"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey, ed448.Ed448PrivateKey,
                        ed448.Ed448PublicKey)):
        return "OKP"
    return type(key).__name__


def fits(algorithm: str, kind: str) -> bool:
    """Whether a key of ``kind`` (see :func:`key_kind`) signs and verifies with ``algorithm``."""
    if algorithm.startswith("HS"):
        return kind == "oct"
    if algorithm.startswith(("RS", "PS")):
        return kind == "RSA"
    if algorithm.startswith("ES"):
        return kind == f"EC:{_EC_CURVES.get(algorithm, '')}"
    return kind == "OKP"  # EdDSA


def is_private(key: Any) -> bool:
    """Whether a prepared asymmetric key holds its private half."""
    return hasattr(key, "public_key")


def public_jwk(key: Any, algorithm: str, kid: str) -> dict[str, Any]:
    """The public JWK of an asymmetric key (never its private half), with ``kid``, ``alg`` and ``use``."""
    if isinstance(key, bytes):
        raise ValueError("an HMAC key has no public form")
    if is_private(key):
        key = key.public_key()
    jwk: dict[str, Any] = _ALGORITHMS[algorithm].to_jwk(key, as_dict=True)
    return {**{name: jwk[name] for name in _REQUIRED[jwk["kty"]]}, "kid": kid, "alg": algorithm, "use": "sig"}


def thumbprint(key: Any, algorithm: str) -> str:
    """The RFC 7638 SHA-256 thumbprint of an asymmetric key's public JWK, base64url-encoded."""
    jwk = public_jwk(key, algorithm, "")
    members = {name: jwk[name] for name in _REQUIRED[jwk["kty"]]}
    return _b64(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())


def hmac_kid(secret: bytes) -> str:
    """A key id for an HMAC secret that reveals nothing of it: a keyed hash of a fixed label, 16 characters.

    It is a MAC of a public label under the secret, so it gives no more to an attacker than any token signed
    with that secret already does.
    """
    return _b64(hmac.new(secret, _KID_LABEL, hashlib.sha256).digest()[:12])


def read_jwk(
    jwk: Mapping[str, Any], setting: str, allowed: Iterable[str], *, remote: bool = False
) -> tuple[Any, tuple[str, ...], str]:
    """Read one public verification JWK: ``(prepared key, the allowed algorithms it verifies, kid)``.

    A JWK with ``alg`` verifies that algorithm only; one without verifies every allowed algorithm that fits
    its key (RFC 7517 §4.4: ``alg`` is optional). Refuses (``ConfigurationError`` naming ``setting``, or
    ``ValueError`` when ``remote``) an HMAC key, a key holding private members, an unknown type, and an
    ``alg`` that does not fit the key. The ``kid`` defaults to the key's RFC 7638 thumbprint.
    """
    error = ValueError if remote else ConfigurationError

    def refuse(message: str) -> Exception:
        return error(f"{setting}: {message}")

    if not isinstance(jwk, Mapping):
        raise refuse(f"each key must be a JSON object, got {type(jwk).__name__}")
    kty = jwk.get("kty")
    if kty == "oct":
        raise refuse("holds an HMAC (kty 'oct') key: a key set is public, a shared secret never goes in one")
    if kty not in _REQUIRED:
        raise refuse(f"unsupported key type {kty!r}; expected RSA, EC or OKP")
    private = sorted(_PRIVATE_MEMBERS.intersection(jwk))
    if private:
        raise refuse(f"key {jwk.get('kid')!r} holds private members {private}: publish only the public key")
    use = jwk.get("use")
    if use not in (None, "sig"):
        raise refuse(f"key {jwk.get('kid')!r} has use {use!r}, not 'sig'")
    family = _FAMILY[kty]
    try:
        members = {name: jwk[name] for name in ("kty", "n", "e", "crv", "x", "y") if name in jwk}
        key = _ALGORITHMS[family].from_jwk(members)
    except Exception as exc:  # PyJWT and cryptography raise several unrelated types here
        raise refuse(f"key {jwk.get('kid')!r} is not a valid {kty} key: {exc}") from None
    kind = key_kind(key)
    algorithm = jwk.get("alg")
    if algorithm is not None and (
        not isinstance(algorithm, str) or algorithm not in _ALGORITHMS or not fits(algorithm, kind)
    ):
        raise refuse(f"key {jwk.get('kid')!r} has algorithm {algorithm!r}, which does not fit a {kind} key")
    algorithms = tuple(alg for alg in allowed if fits(alg, kind) and algorithm in (None, alg))
    kid = jwk.get("kid")
    if kid is None:
        kid = thumbprint(key, family)
    if not isinstance(kid, str) or not kid:
        raise refuse(f"key id {kid!r} must be a non-empty string")
    return key, algorithms, kid


# -- reading key material ------------------------------------------------------------------------------
def same_key(first: Any, second: Any, algorithm: str) -> bool:
    """Whether two prepared keys are one key (HMAC keys compared without their zero padding)."""
    if isinstance(first, bytes) or isinstance(second, bytes):
        both = isinstance(first, bytes) and isinstance(second, bytes)
        return both and first.rstrip(b"\0") == second.rstrip(b"\0")
    if key_kind(first) != key_kind(second):
        return False
    return public_jwk(first, algorithm, "") == public_jwk(second, algorithm, "")


def any_algorithm(kind: str) -> str:
    """An algorithm that reads and writes keys of ``kind`` (for its JWK and thumbprint)."""
    return "RS256" if kind == "RSA" else "EdDSA" if kind == "OKP" else "ES256"


def looks_asymmetric(raw: str | bytes) -> bool:
    """Whether key material is a PEM or OpenSSH public key rather than an HMAC secret."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    return "-----BEGIN " in text or text.lstrip().startswith(("ssh-", "ecdsa-sha2-"))


def parse_asymmetric(raw: str | bytes, setting: str, preferred: list[str]) -> Any:
    """Read a PEM (or OpenSSH) key of any family, trying ``preferred`` algorithms first; when none reads
    it, raise the error of the first preferred algorithm (or RS256), naming ``setting``."""
    for algorithm in dict.fromkeys([*preferred, "RS256", "ES256", "EdDSA"]):
        try:
            return prepare_key(algorithm, raw, setting)
        except ConfigurationError:
            continue
    return prepare_key(preferred[0] if preferred else "RS256", raw, setting)  # raises, naming the setting


def prepare_key(algorithm: str, raw: str | bytes, setting: str) -> Any:
    implementation = _ALGORITHMS.get(algorithm)
    if implementation is None:
        raise ConfigurationError(f"{setting}: unsupported algorithm {algorithm!r}")
    try:
        key = implementation.prepare_key(raw)
    except Exception as exc:  # PyJWT and cryptography raise several unrelated types here
        raise ConfigurationError(f"{setting} is not a valid key for {algorithm}: {exc}") from exc
    if algorithm.startswith("HS"):
        return padded(algorithm, key)
    kind = key_kind(key)
    if not fits(algorithm, kind):  # older PyJWT takes any key here, to fail at the first token
        raise ConfigurationError(
            f"{setting} is not a valid key for {algorithm}: got a {kind} key ({type(key).__name__})"
        )
    return key


def read_jwks_file(path: str) -> list[Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"AUTHJWT_JWKS_FILE {path!r} cannot be read as JSON: {exc}") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ConfigurationError(f"AUTHJWT_JWKS_FILE {path!r} is not a JWKS: no \"keys\" array")
    return keys


def padded(algorithm: str, key: bytes) -> bytes:
    """A short HMAC secret (``AUTHJWT_ALLOW_WEAK_SECRET=true``) right-padded with zero bytes to the hash size.

    HMAC pads every key shorter than the hash's block size with zeros (RFC 2104 §2), so the padded key
    gives the very same signatures; PyJWT, which warns about a key shorter than the hash on every use,
    then has nothing to warn about. No warning filter is touched: those are process-wide state.
    """
    size = hashlib.new(f"sha{algorithm[2:]}").digest_size  # HS256 -> 32 bytes, under its block size
    return key.ljust(size, b"\x00") if len(key) < size else key
