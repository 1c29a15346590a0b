"""Key sets: every token names its key (``kid``), rotation keeps old keys for verification, unknown keys
are refused, and bad key material stops the configuration (no HTTP)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from fastapi_jwt_views import (
    AlgorithmNotAllowedError,
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    DecodeError,
    InvalidSignatureError,
    UnknownKeyError,
    VerificationKey,
)
from fastapi_jwt_views._jwk import hmac_kid, thumbprint

KEYS = Path(__file__).parent / "keys"
OLD_SECRET = "old-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEFG"
NEW_SECRET = "new-secret-9876543210-zyxwvutsrqponmlkjihgfedcba-9876543210-GFEDCBA"
PAIRS = {
    "RS256": ("rsa_private.pem", "rsa_public.pem"),
    "PS384": ("rsa_private.pem", "rsa_public.pem"),
    "ES256": ("ec_private.pem", "ec_public.pem"),
    "EdDSA": ("ed25519_private.pem", "ed25519_public.pem"),
}


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


def _asymmetric(algorithm: str, **settings: Any) -> AuthViews:
    private, public = PAIRS[algorithm]
    return AuthViews(
        AuthViewsConfig(algorithm=algorithm, private_key=_pem(private), public_key=_pem(public), **settings)
    )


def _legacy_token(secret: str, **claims: Any) -> str:
    """A token as this library issued it before key ids: no ``kid`` header."""
    now = int(time.time())
    payload = {
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j1",
        "type": "access",
        "fresh": False,
        **claims,
    }
    return jwt.encode(payload, secret.encode().ljust(32, b"\x00"), algorithm="HS256")


# -- every token names its key -----------------------------------------------------------------------------
def test_kid_hmac_is_derived_deterministically_and_reveals_nothing() -> None:
    first = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET)).create_access_token("alice")
    second = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET)).create_access_token("bob")
    kid = jwt.get_unverified_header(first)["kid"]
    assert kid == jwt.get_unverified_header(second)["kid"] == hmac_kid(OLD_SECRET.encode())
    assert len(kid) == 16 and OLD_SECRET[:8] not in kid
    assert kid != hashlib.sha256(OLD_SECRET.encode()).hexdigest()[:16]
    other = AuthViews(AuthViewsConfig(secret_key=NEW_SECRET)).create_access_token("alice")
    assert jwt.get_unverified_header(other)["kid"] != kid


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
def test_kid_asymmetric_is_the_rfc7638_thumbprint(algorithm: str) -> None:
    token = _asymmetric(algorithm).create_access_token("alice")
    jwk = json.loads(
        jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(  # type: ignore[attr-defined]
            jwt.algorithms.get_default_algorithms()[algorithm].prepare_key(_pem(PAIRS[algorithm][1]))
        )
    )
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
    members = json.dumps(
        {name: jwk[name] for name in required[jwk["kty"]]}, separators=(",", ":"), sort_keys=True
    )
    expected = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()
    assert jwt.get_unverified_header(token)["kid"] == expected


def test_thumbprint_matches_rfc7638_example() -> None:
    # RFC 7638 §3.1: this RSA key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1"
        "n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    key = RSAAlgorithm.from_jwk({"kty": "RSA", "n": n, "e": "AQAB"})
    assert thumbprint(key, "RS256") == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_kid_explicit_key_id_is_written_and_accepted() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET, key_id="2026-11"))
    token = authviews.create_access_token("alice")
    assert jwt.get_unverified_header(token)["kid"] == "2026-11"
    assert authviews.codec.decode(token).claims["sub"] == "alice"


def test_kid_header_set_by_caller_to_another_key_raises_value_error() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET, key_id="k1"))
    assert jwt.get_unverified_header(authviews.create_access_token("a", headers={"kid": "k1"}))["kid"] == "k1"
    with pytest.raises(ValueError, match="AUTHJWT_KEY_ID"):
        authviews.create_access_token("alice", headers={"kid": "k2"})


# -- unknown and mismatched keys ---------------------------------------------------------------------------
@pytest.mark.parametrize("kid", ["attacker", "", "../../etc/passwd", "x" * 500])
def test_verify_unknown_kid_raises_unknown_key_error(kid: str) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET))
    token = jwt.encode(
        {"sub": "a", "type": "access", "exp": time.time() + 60}, OLD_SECRET, headers={"kid": kid}
    )
    with pytest.raises(UnknownKeyError) as caught:
        authviews.codec.decode(token)
    assert caught.value.status_code == 401 and caught.value.detail == "Signature verification failed"


@pytest.mark.parametrize("kid", [1, ["k"], {"k": 1}, True])
def test_verify_kid_that_is_not_a_string_is_refused(kid: Any) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET))
    token = _hs_with_raw_key(OLD_SECRET.encode(), kid)  # PyJWT refuses to write such a header
    with pytest.raises(DecodeError, match="must be a string"):
        authviews.codec.decode(token)


def test_verify_hmac_token_naming_an_rsa_key_is_refused_not_verified_with_the_pem() -> None:
    authviews = AuthViews(
        AuthViewsConfig(
            secret_key=OLD_SECRET, decode_algorithms=["HS256", "RS256"], public_key=_pem("rsa_public.pem")
        )
    )
    rsa_kid = jwt.get_unverified_header(_asymmetric("RS256").create_access_token("a"))["kid"]
    forged = _hs_with_raw_key(_pem("rsa_public.pem").encode(), rsa_kid)  # HS256 keyed with the public PEM
    with pytest.raises(AlgorithmNotAllowedError):
        authviews.codec.decode(forged)


def _hs_with_raw_key(key: bytes, kid: Any) -> str:
    """An HS256 token signed with any bytes and any kid (PyJWT refuses a PEM as an HMAC key, and a kid that
    is not a string, so sign by hand)."""
    import hmac

    def segment(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing_input = f"{segment({'alg': 'HS256', 'kid': kid})}.{segment({'sub': 'admin', 'type': 'access'})}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


# -- rotation ------------------------------------------------------------------------------------------------
def test_rotation_hmac_old_tokens_stay_valid_and_new_tokens_use_the_new_key() -> None:
    old = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET))
    before = old.create_access_token("alice")
    rotated = AuthViews(AuthViewsConfig(secret_key=NEW_SECRET, verify_keys=[VerificationKey(OLD_SECRET)]))
    assert rotated.codec.decode(before).claims["sub"] == "alice"
    after = rotated.create_access_token("alice")
    assert jwt.get_unverified_header(after)["kid"] == hmac_kid(NEW_SECRET.encode())
    with pytest.raises(UnknownKeyError):
        old.codec.decode(after)  # the old key never verifies the new key's tokens
    dropped = AuthViews(AuthViewsConfig(secret_key=NEW_SECRET))
    with pytest.raises(UnknownKeyError):
        dropped.codec.decode(before)


def test_rotation_rsa_to_ec_keeps_rsa_tokens_valid() -> None:
    before = _asymmetric("RS256").create_access_token("alice")
    rotated = AuthViews(
        AuthViewsConfig(
            algorithm="ES256",
            decode_algorithms=["ES256", "RS256"],
            private_key=_pem("ec_private.pem"),
            public_key=_pem("ec_public.pem"),
            verify_keys=[VerificationKey(_pem("rsa_public.pem"), algorithm="RS256")],
        )
    )
    assert rotated.codec.decode(before).claims["sub"] == "alice"
    assert rotated.codec.decode(rotated.create_access_token("bob")).claims["sub"] == "bob"


def test_rotation_forged_token_with_the_old_kid_is_refused() -> None:
    rotated = AuthViews(AuthViewsConfig(secret_key=NEW_SECRET, verify_keys=[VerificationKey(OLD_SECRET)]))
    forged = jwt.encode(
        {"sub": "admin", "type": "access", "exp": time.time() + 60},
        NEW_SECRET,
        headers={"kid": hmac_kid(OLD_SECRET.encode())},
    )
    with pytest.raises(InvalidSignatureError):
        rotated.codec.decode(forged)  # the kid picks the old key; the new key is not tried


def test_retire_after_refuses_the_old_keys_tokens_from_then_on_cached_or_not() -> None:
    now = [time.time()]
    old = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET))
    before = old.create_access_token("alice", expires=timedelta(hours=2))
    retire = datetime.fromtimestamp(now[0] + 3600, tz=timezone.utc)
    config = AuthViewsConfig(
        secret_key=NEW_SECRET, verify_keys=[VerificationKey(OLD_SECRET, retire_after=retire)]
    )
    rotated = AuthViews(config, clock=lambda: now[0])
    assert rotated.codec.decode(before).claims["sub"] == "alice"  # now cached
    now[0] += 3601
    with pytest.raises(UnknownKeyError, match="retired"):
        rotated.codec.decode(before)
    fresh = AuthViews(config, clock=lambda: now[0])
    with pytest.raises(UnknownKeyError, match="retired"):
        fresh.codec.decode(before)
    assert fresh.codec.decode(fresh.create_access_token("bob")).claims["sub"] == "bob"


# -- tokens issued before key ids ------------------------------------------------------------------------
def test_legacy_token_without_kid_is_verified_with_the_active_key() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET))
    assert authviews.codec.decode(_legacy_token(OLD_SECRET)).claims["sub"] == "alice"


def test_legacy_token_without_kid_is_verified_with_the_legacy_key_only() -> None:
    plain = AuthViews(AuthViewsConfig(secret_key=NEW_SECRET, verify_keys=[VerificationKey(OLD_SECRET)]))
    with pytest.raises(InvalidSignatureError):
        plain.codec.decode(_legacy_token(OLD_SECRET))  # not marked legacy: not tried without a kid
    marked = AuthViews(
        AuthViewsConfig(secret_key=NEW_SECRET, verify_keys=[VerificationKey(OLD_SECRET, legacy=True)])
    )
    assert marked.codec.decode(_legacy_token(OLD_SECRET)).claims["sub"] == "alice"
    with pytest.raises(InvalidSignatureError):
        marked.codec.decode(_legacy_token("some-other-secret-0123456789-abcdefghijklmnop"))


def test_short_secret_migration_logs_nobody_out_until_the_old_key_retires() -> None:
    """docs/keys.md: a 0.5.0-style short secret moves to a strong key without logging anyone out."""
    now = [time.time()]
    before = _legacy_token("secret")  # issued by the old app, with the short secret and no kid
    retire = datetime.fromtimestamp(now[0] + 86400, tz=timezone.utc)
    config = AuthViewsConfig.from_env(
        {
            "AUTHJWT_SECRET_KEY": NEW_SECRET,
            "AUTHJWT_VERIFY_KEYS": json.dumps(
                [{"secret": "secret", "legacy": True, "retire_after": retire.isoformat()}]
            ),
        }
    )
    authviews = AuthViews(config, clock=lambda: now[0])
    assert authviews.codec.decode(before).claims["sub"] == "alice"
    assert jwt.get_unverified_header(authviews.create_access_token("a"))["kid"] == hmac_kid(
        NEW_SECRET.encode()
    )
    now[0] += 86401
    with pytest.raises(InvalidSignatureError, match="Signature verification failed"):
        AuthViews(config, clock=lambda: now[0]).codec.decode(before)  # the retired key is not tried


# -- per-token algorithms -----------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_per_token_hmac_algorithm_shares_one_kid(algorithm: str) -> None:
    authviews = AuthViews(
        AuthViewsConfig(secret_key=OLD_SECRET, decode_algorithms=["HS256", "HS384", "HS512"])
    )
    token = authviews.create_access_token("alice", algorithm=algorithm)
    assert jwt.get_unverified_header(token) == {
        "alg": algorithm,
        "typ": "JWT",
        "kid": hmac_kid(OLD_SECRET.encode()),
    }
    assert authviews.codec.decode(token).claims["sub"] == "alice"


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "PS256"])
def test_per_token_algorithm_mixed_families_verify(algorithm: str) -> None:
    authviews = AuthViews(
        AuthViewsConfig(
            secret_key=OLD_SECRET,
            algorithm="HS256",
            decode_algorithms=["HS256", "RS256", "PS256"],
            private_key=_pem("rsa_private.pem"),
            public_key=_pem("rsa_public.pem"),
        )
    )
    token = authviews.create_access_token("alice", algorithm=algorithm)
    assert authviews.codec.decode(token).claims["sub"] == "alice"


def test_per_token_algorithm_old_key_verifies_each_allowed_algorithm_of_its_family() -> None:
    old = AuthViews(AuthViewsConfig(secret_key=OLD_SECRET, decode_algorithms=["HS256", "HS512"]))
    before = old.create_access_token("alice", algorithm="HS512")
    rotated = AuthViews(
        AuthViewsConfig(
            secret_key=NEW_SECRET,
            decode_algorithms=["HS256", "HS512"],
            verify_keys=[VerificationKey(OLD_SECRET)],
        )
    )
    assert rotated.codec.decode(before).claims["sub"] == "alice"


# -- bad key material stops the configuration, naming the setting ----------------------------------------
@pytest.mark.parametrize(
    ("verify_key", "message"),
    [
        (VerificationKey("not a pem", algorithm="RS256"), r"AUTHJWT_VERIFY_KEYS\[0\] is not a valid key"),
        (
            VerificationKey(_pem("rsa_private.pem"), algorithm="RS256"),
            r"AUTHJWT_VERIFY_KEYS\[0\] is a private key",
        ),
        (
            VerificationKey(_pem("ec_public.pem"), algorithm="RS256"),
            r"AUTHJWT_VERIFY_KEYS\[0\] is not a valid key",
        ),
        (
            VerificationKey(OLD_SECRET, retire_after=datetime(2030, 1, 1)),
            r"AUTHJWT_VERIFY_KEYS\[0\] .*time zone",
        ),
        (VerificationKey(OLD_SECRET, algorithm="none"), r"AUTHJWT_VERIFY_KEYS\[0\] must not be 'none'"),
        ({"secret": "a", "pem": "b"}, r"AUTHJWT_VERIFY_KEYS\[0\] must have exactly one of"),
        ({"pem_file": "/nonexistent/key.pem"}, r"AUTHJWT_VERIFY_KEYS\[0\] pem_file"),
        ({"jwk": {"kty": "oct", "k": "c2VjcmV0"}}, r"AUTHJWT_VERIFY_KEYS\[0\]: holds an HMAC"),
    ],
)
def test_config_bad_verify_key_raises_naming_the_setting(verify_key: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AuthViewsConfig(
            secret_key=NEW_SECRET,
            decode_algorithms=["HS256", "RS256"],
            public_key=_pem("rsa_public.pem"),
            verify_keys=[verify_key],
        )


def test_config_two_legacy_keys_or_a_reused_kid_raise() -> None:
    with pytest.raises(ConfigurationError, match="one key legacy"):
        AuthViewsConfig(
            secret_key=NEW_SECRET,
            verify_keys=[VerificationKey(OLD_SECRET, legacy=True), VerificationKey("x" * 40, legacy=True)],
        )
    with pytest.raises(ConfigurationError, match="already used by another key"):
        AuthViewsConfig(
            secret_key=NEW_SECRET,
            verify_keys=[VerificationKey(OLD_SECRET, kid=hmac_kid(NEW_SECRET.encode()))],
        )


def test_config_verify_keys_from_env_reads_pem_files(tmp_path: Path) -> None:
    config = AuthViewsConfig.from_env(
        {
            "AUTHJWT_ALGORITHM": "ES256",
            "AUTHJWT_DECODE_ALGORITHMS": "ES256,RS256",
            "AUTHJWT_PRIVATE_KEY": _pem("ec_private.pem"),
            "AUTHJWT_PUBLIC_KEY": _pem("ec_public.pem"),
            "AUTHJWT_VERIFY_KEYS": json.dumps(
                [{"pem_file": str(KEYS / "rsa_public.pem"), "algorithm": "RS256"}]
            ),
        }
    )
    assert "***" in repr(config) and "PUBLIC KEY" not in repr(config).split("verify_keys=")[1][:20]
    before = _asymmetric("RS256").create_access_token("alice")
    assert AuthViews(config).codec.decode(before).claims["sub"] == "alice"


def test_config_verify_keys_not_json_raises_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_VERIFY_KEYS is not valid JSON"):
        AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": NEW_SECRET, "AUTHJWT_VERIFY_KEYS": "[{"})


def test_config_same_key_as_public_key_and_verification_key_is_one_key() -> None:
    config = AuthViewsConfig(
        algorithm="RS256",
        public_key=_pem("rsa_public.pem"),
        verify_keys=[VerificationKey(_pem("rsa_public.pem"), algorithm="RS256")],
    )
    assert len(AuthViews(config).codec.keys.by_kid) == 1
    assert AuthViews(config).codec.decode(_asymmetric("RS256").create_access_token("a")).claims["sub"] == "a"


def test_config_same_kid_for_two_keys_raises_naming_the_setting() -> None:
    rsa_kid = jwt.get_unverified_header(_asymmetric("RS256").create_access_token("a"))["kid"]
    with pytest.raises(
        ConfigurationError, match=r"AUTHJWT_VERIFY_KEYS\[0\]: key id .* already used by another key"
    ):
        AuthViewsConfig(
            algorithm="RS256",
            public_key=_pem("rsa_public.pem"),
            verify_keys=[VerificationKey(_pem("rsa_other_public.pem"), algorithm="RS256", kid=rsa_kid)],
        )


def test_rotation_verification_key_pem_without_algorithm_verifies_what_fits_it() -> None:
    before = _asymmetric("RS256").create_access_token("alice")
    rotated = AuthViews(
        AuthViewsConfig(
            algorithm="EdDSA",
            decode_algorithms=["EdDSA", "RS256"],
            private_key=_pem("ed25519_private.pem"),
            public_key=_pem("ed25519_public.pem"),
            verify_keys=[VerificationKey(_pem("rsa_public.pem"))],
        )
    )
    assert rotated.codec.decode(before).claims["sub"] == "alice"


@pytest.mark.parametrize(
    "verify_key",
    [VerificationKey(_pem("rsa_public.pem")), VerificationKey(_pem("rsa_public.pem"), algorithm="RS256")],
    ids=["inferred", "explicit"],
)
def test_config_verification_key_whose_algorithm_is_not_allowed_raises(verify_key: VerificationKey) -> None:
    """Forgetting the old algorithm in AUTHJWT_DECODE_ALGORITHMS would log everyone out: refused."""
    with pytest.raises(
        ConfigurationError, match=r"AUTHJWT_VERIFY_KEYS\[0\]: AUTHJWT_DECODE_ALGORITHMS \['ES256'\]"
    ):
        AuthViewsConfig(
            algorithm="ES256",
            private_key=_pem("ec_private.pem"),
            public_key=_pem("ec_public.pem"),
            verify_keys=[verify_key],
        )
