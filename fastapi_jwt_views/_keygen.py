"""Key generation for the CLI: HMAC secrets of the right length and key pairs, as PEM or as a JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

__all__ = ["ALGORITHMS", "GeneratedKey", "generate"]

_CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),  # ES512 is P-521, not a 512-bit curve (RFC 7518 3.4)
}
_RSA = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_HMAC = ("HS256", "HS384", "HS512")
#: Every algorithm ``keygen`` makes a key for.
ALGORITHMS: tuple[str, ...] = (*_HMAC, *_RSA, *_CURVES, "EdDSA")

# JWK members that identify a key (RFC 7638 3.2), for the ``kid`` thumbprint.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"),
                       "oct": ("k", "kty")}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


@dataclass(frozen=True)
class GeneratedKey:
    """A new key for ``algorithm``: ``secret`` for HMAC, else ``private_pem`` and ``public_pem``."""

    algorithm: str
    secret: str | None = None
    private_pem: str | None = None
    public_pem: str | None = None
    _key: Any = None

    def jwk(self, *, private: bool = True) -> dict[str, Any]:
        """The key as a JWK with ``alg``, ``use`` and a thumbprint ``kid``; ``private=False``: public half."""
        implementation = get_default_algorithms()[self.algorithm]
        raw = self.secret.encode() if self.secret is not None else self._key
        jwk: dict[str, Any] = json.loads(implementation.to_jwk(raw))
        digest = hashlib.sha256(
            json.dumps({name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]},
                       separators=(",", ":"), sort_keys=True).encode()
        ).digest()
        kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not private:
            jwk = {name: value for name, value in jwk.items() if name not in _PRIVATE_MEMBERS}
        return {**jwk, "alg": self.algorithm, "use": "sig", "kid": kid}

    def jwks(self, *, private: bool = True) -> str:
        """A JSON Web Key Set holding :meth:`jwk`."""
        return json.dumps({"keys": [self.jwk(private=private)]}, indent=2)


def generate(algorithm: str, *, rsa_bits: int = 2048) -> GeneratedKey:
    """A new random key for ``algorithm`` (one of :data:`ALGORITHMS`)."""
    if algorithm in _HMAC:
        # As many random bytes as the hash output, the minimum of RFC 7518 3.2 (and of AUTHJWT_SECRET_KEY).
        return GeneratedKey(algorithm, secret=secrets.token_urlsafe(int(algorithm[2:]) // 8))
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if algorithm in _RSA:
        if rsa_bits < 2048:
            raise ValueError("RSA keys must be at least 2048 bits")
        key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    elif algorithm in _CURVES:
        key = ec.generate_private_key(_CURVES[algorithm])
    elif algorithm == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unsupported algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return GeneratedKey(algorithm, private_pem=private_pem, public_pem=public_pem, _key=key)
