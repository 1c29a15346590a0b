"""Leniencies the library does not inherit from PyJWT: one canonical encoding per token, UTF-8 JSON only,
time claims a ``datetime`` can hold, no ``aud`` where no audience is configured, no text that is not
Unicode; and a verified-token cache that no handler can write through.

Tokens are crafted by hand (base64url + HMAC), since the library refuses to create most of them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
import warnings
from typing import Any, NamedTuple

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    InvalidAudienceError,
    OptionalView,
    ProtectedView,
    RevokedTokenError,
    cbv,
)

SECRET = "strictness-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class Harness(NamedTuple):
    client: TestClient
    authviews: AuthViews


def _build(**settings: Any) -> Harness:
    settings.setdefault("secret_key", SECRET)
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(**settings)).install(app)
    router = APIRouter()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/claims")
        async def claims(self) -> dict[str, Any]:
            return {"claims": self.auth.claims, "header": self.auth.header}

        @router.post("/mutate")
        def mutate(self) -> dict[str, str]:
            claims, header = self.auth.claims, self.auth.header
            claims["roles"].append("admin")
            claims["roles"][0] = "root"
            claims["profile"]["name"] = "mallory"
            claims["profile"]["tags"].append("owned")
            claims["profile"]["tags"][0] = {"nested": True}
            header["jwk"]["kid"] = "evil"
            return {"detail": "mutated"}

        @router.get("/expires")
        async def expires(self) -> dict[str, Any]:
            expires_at = self.auth.expires_at
            return {"expires_at": expires_at.isoformat() if expires_at else None}

    @cbv(router)
    class Anyone(OptionalView):
        @router.get("/optional/claims")
        async def optional_claims(self) -> dict[str, Any]:
            self.auth.claims.get("roles", []).append("guest")
            return {"claims": self.auth.claims}

    app.include_router(router)
    return Harness(TestClient(app, raise_server_exceptions=False), authviews)


@pytest.fixture(params=["one-key", "key-per-algorithm"])
def harness(request: pytest.FixtureRequest) -> Harness:
    """Both verification paths: one key for every algorithm, or a key chosen by the token's ``alg``."""
    if request.param == "one-key":
        return _build()
    return _build(decode_algorithms=["HS256", "HS512"])


# -- crafting -----------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "jti": str(uuid.uuid4()),
        "type": "access",
        "fresh": False,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


def _sign(header_bytes: bytes, payload_bytes: bytes, key: str = SECRET) -> str:
    """HS256 over exactly these header and payload bytes."""
    signing_input = f"{_b64(header_bytes)}.{_b64(payload_bytes)}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _header(**extra: Any) -> bytes:
    return _json({"alg": "HS256", "typ": "JWT", **extra})


def _token(**overrides: Any) -> str:
    return _sign(_header(), _json(_claims(**overrides)))


def _get(client: TestClient, path: str, token: str, method: str = "GET") -> Response:
    return client.request(method, path, headers={"Authorization": f"Bearer {token}"})


def _assert_401(response: Response, detail: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"].startswith("Bearer")


def _non_canonical(segment: str) -> str:
    """The same bytes spelled differently: set the unused low bits of the last character."""
    assert len(segment) % 4 in (2, 3)
    index = B64.index(segment[-1])
    return segment[:-1] + B64[index + 1]


# -- canonical base64url (RFC 7515 §2) ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("segment", "spelling", "detail"),
    [
        (2, "{}=", "Invalid crypto padding"),
        (2, "{}==", "Invalid crypto padding"),
        (2, "{}AA", "Invalid crypto padding"),
        (0, "{}=", "Invalid header padding"),
        (1, "{}%", "Invalid payload padding"),
        (1, "{}===", "Invalid payload padding"),
        (1, "{}%", "Invalid payload padding"),
    ],
    ids=["sig-pad", "sig-pad-2", "sig-extra-chars", "header-pad", "payload-pad", "payload-pad-3", "percent"],
)
def test_verify_segment_not_canonical_base64url_returns_401(
    harness: Harness, segment: int, spelling: str, detail: str
) -> None:
    parts = _token().split(".")
    parts[segment] = spelling.format(parts[segment])
    _assert_401(_get(harness.client, "/claims", ".".join(parts)), detail)


@pytest.mark.parametrize(("segment", "name"), [(0, "header"), (1, "payload"), (2, "crypto")])
def test_verify_segment_with_non_zero_trailing_bits_returns_401(
    harness: Harness, segment: int, name: str
) -> None:
    header_bytes, payload_bytes = _header(), _json(_claims())
    # pad the JSON with spaces until the segment has 2 or 3 characters in its last quantum
    while segment == 0 and len(_b64(header_bytes)) % 4 == 0:
        header_bytes += b" "
    while segment == 1 and len(_b64(payload_bytes)) % 4 == 0:
        payload_bytes += b" "
    parts = _sign(header_bytes, payload_bytes).split(".")
    assert _get(harness.client, "/claims", ".".join(parts)).status_code == 200
    parts[segment] = _non_canonical(parts[segment])
    _assert_401(_get(harness.client, "/claims", ".".join(parts)), f"Invalid {name} padding")


@pytest.mark.parametrize("char", ["+", "/"])
def test_verify_standard_base64_alphabet_returns_401(harness: Harness, char: str) -> None:
    header, payload, signature = _token().split(".")
    _assert_401(
        _get(harness.client, "/claims", f"{header}.{payload}.{char}{signature[1:]}"), "Invalid crypto padding"
    )


@pytest.mark.parametrize(("count", "detail"), [(2, "Not enough segments"), (4, "Too many segments")])
def test_verify_wrong_number_of_segments_returns_401(harness: Harness, count: int, detail: str) -> None:
    parts = _token().split(".")
    _assert_401(_get(harness.client, "/claims", ".".join((parts * 2)[:count])), detail)


# -- UTF-8 JSON (RFC 7519 §7.2) -------------------------------------------------------------------------
_ENCODINGS = {
    "utf-8-bom": lambda text: b"\xef\xbb\xbf" + text.encode(),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-16-be": lambda text: text.encode("utf-16-be"),
    "utf-32": lambda text: text.encode("utf-32"),
    "latin-1": lambda text: text.replace("alice", "alïce").encode("latin-1"),
    "encoded-surrogate": lambda text: text.replace("alice", "al\ud800ce").encode("utf-8", "surrogatepass"),
}


@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
def test_verify_payload_not_utf8_returns_401(harness: Harness, encoding: str) -> None:
    payload = _ENCODINGS[encoding](json.dumps(_claims()))
    _assert_401(
        _get(harness.client, "/claims", _sign(_header(), payload)),
        "Invalid payload string: must be UTF-8 JSON",
    )


@pytest.mark.parametrize("encoding", ["utf-8-bom", "utf-16", "utf-16-le", "utf-32"])
def test_verify_header_not_utf8_returns_401(harness: Harness, encoding: str) -> None:
    header = _ENCODINGS[encoding](json.dumps({"alg": "HS256", "typ": "JWT"}))
    _assert_401(
        _get(harness.client, "/claims", _sign(header, _json(_claims()))),
        "Invalid header string: must be UTF-8 JSON",
    )


@pytest.mark.parametrize(
    ("where", "detail"),
    [("sub", "payload"), ("name", "payload"), ("nested", "payload"), ("kid", "header")],
)
def test_verify_escaped_lone_surrogate_returns_401(harness: Harness, where: str, detail: str) -> None:
    claims, header = _claims(), {"alg": "HS256", "typ": "JWT"}
    if where == "kid":
        header["kid"] = "\ud800"
    elif where == "nested":
        claims["profile"] = {"names": ["ok", "\udfff"]}
    else:
        claims[where] = "x\ud800"
    token = _sign(json.dumps(header).encode(), json.dumps(claims).encode())  # ASCII with \\ud800 escapes
    _assert_401(_get(harness.client, "/claims", token), f"Invalid {detail} string: must be UTF-8 JSON")


def test_verify_escaped_surrogate_pair_is_accepted(harness: Harness) -> None:
    token = _sign(_header(), json.dumps(_claims(sub="smile \U0001f600")).encode())
    assert "\\ud83d\\ude00" in base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    response = _get(harness.client, "/claims", token)
    assert response.status_code == 200
    assert response.json()["claims"]["sub"] == "smile \U0001f600"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("claim", ["score", "exp"])
def test_verify_non_json_number_returns_401(harness: Harness, literal: str, claim: str) -> None:
    """Python's parser reads NaN and Infinity, JSON has neither; echoing them would be a 500."""
    claims = json.dumps(_claims(**{claim: 0})).replace(f'"{claim}": 0', f'"{claim}": {literal}')
    assert literal in claims
    _assert_401(
        _get(harness.client, "/claims", _sign(_header(), claims.encode())),
        "Invalid payload string: must be UTF-8 JSON",
    )


def test_verify_nan_inside_a_string_is_accepted(harness: Harness) -> None:
    response = _get(harness.client, "/claims", _token(name="NaN Infinity"))
    assert response.status_code == 200
    assert response.json()["claims"]["name"] == "NaN Infinity"


# -- deeply nested JSON (PyJWT before 2.14 let a RecursionError through the header parser) -------------------
@pytest.mark.parametrize("where", ["header", "payload"])
@pytest.mark.parametrize("container", ["[", '{"a":'])
def test_verify_deeply_nested_json_returns_401(where: str, container: str) -> None:
    harness = _build(max_token_size=200_000)
    closing = "]" if container == "[" else "}"
    deep = container * 20_000 + "1" + closing * 20_000
    header = _header() if where == "payload" else b'{"alg":"HS256","x":' + deep.encode() + b"}"
    payload = _json(_claims()) if where == "header" else b'{"sub":"a","x":' + deep.encode() + b"}"
    response = _get(harness.client, "/claims", _sign(header, payload))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"


# -- time claims a datetime can hold ------------------------------------------------------------------------
@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", [1e20, 10**20, 2**63, -(10**20), -1e300, 253402300800, -62135596801])
def test_verify_time_claim_beyond_datetime_returns_401(harness: Harness, claim: str, value: Any) -> None:
    response = _get(harness.client, "/expires", _token(**{claim: value}))
    _assert_401(response, f"Invalid claim: {claim} is out of range")


@pytest.mark.parametrize(
    ("exp", "iso"),
    [(253402300799, "9999-12-31T23:59:59+00:00"), (253402300798.5, "9999-12-31T23:59:58.500000+00:00")],
)
def test_verify_latest_representable_exp_reads_as_datetime(harness: Harness, exp: Any, iso: str) -> None:
    response = _get(harness.client, "/expires", _token(exp=exp))
    assert response.status_code == 200, response.text
    assert response.json() == {"expires_at": iso}


@pytest.mark.parametrize("cache_size", [0, 1024], ids=["no-cache", "cache"])
def test_revoke_token_with_latest_exp_is_refused_afterwards(cache_size: int) -> None:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, token_cache_size=cache_size)
    authviews = AuthViews(config)
    token = _token(exp=253402300799)
    asyncio.run(authviews.verify(token))
    asyncio.run(authviews.revoke_token(token))
    with pytest.raises(RevokedTokenError):
        asyncio.run(authviews.verify(token))


# -- audience (RFC 7519 §4.1.3) -------------------------------------------------------------------------
@pytest.mark.parametrize("aud", ["api", ["api"], ["api", "web"], "", [], None], ids=repr)
def test_verify_aud_without_configured_audience_returns_401(harness: Harness, aud: Any) -> None:
    _assert_401(_get(harness.client, "/claims", _token(aud=aud)), "Invalid audience")


def test_decode_aud_without_configured_audience_raises_invalid_audience() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with pytest.raises(InvalidAudienceError):
        authviews.codec.decode(authviews.create_access_token("alice", audience="api"))


def test_verify_configured_audience_accepts_own_tokens() -> None:
    harness = _build(encode_audience="api", decode_audience="api")
    token = harness.authviews.create_access_token("alice")
    assert _get(harness.client, "/claims", token).json()["claims"]["aud"] == "api"


# -- identities and claims that are not Unicode text --------------------------------------------------------
@pytest.mark.parametrize("identity", ["\ud800", "alice\udfff", "\udc80x"])
@pytest.mark.parametrize("create", ["create_access_token", "create_refresh_token", "create_token_pair"])
def test_create_token_lone_surrogate_identity_raises_value_error(identity: str, create: str) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with pytest.raises(ValueError, match=r"identity must be valid Unicode text.*lone surrogate"):
        getattr(authviews, create)(identity)


@pytest.mark.parametrize(
    ("arguments", "what"),
    [
        ({"claims": {"name": "\ud800"}}, "claims"),
        ({"claims": {"roles": ["ok", {"deep": "\udfff"}]}}, "claims"),
        ({"claims": {"\ud800": 1}}, "claims"),
        ({"headers": {"kid": "\ud800"}}, "headers"),
    ],
)
def test_create_token_lone_surrogate_claims_raise_value_error(arguments: dict[str, Any], what: str) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with pytest.raises(ValueError, match=f"{what} must be valid Unicode text"):
        authviews.create_access_token("alice", **arguments)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [float("-inf")]], ids=["nan", "inf", "nested"])
def test_create_token_non_json_number_claims_raise_value_error(value: Any) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with pytest.raises(ValueError, match="claims must be JSON: Out of range float"):
        authviews.create_access_token("alice", claims={"score": value})


def test_create_token_circular_claims_raise_value_error() -> None:
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="claims must be JSON: Circular reference"):
        AuthViews(AuthViewsConfig(secret_key=SECRET)).create_access_token("alice", claims={"x": looped})


def test_create_token_non_bmp_identity_round_trips() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    assert authviews.codec.decode(authviews.create_access_token("\U0001f600")).claims["sub"] == "\U0001f600"


# -- the verified-token cache is read-only to handlers ------------------------------------------------------
def _nested_token(authviews: AuthViews) -> str:
    return authviews.create_access_token(
        "alice",
        claims={"roles": ["reader"], "profile": {"name": "alice", "tags": ["a", ["b"]]}},
        headers={"jwk": {"kid": "k1", "use": "sig"}},
    )


EXPECTED_ROLES, EXPECTED_PROFILE = ["reader"], {"name": "alice", "tags": ["a", ["b"]]}


@pytest.mark.parametrize("cache_size", [0, 1, 1024], ids=["no-cache", "cache-1", "cache"])
def test_handler_mutating_nested_claims_does_not_reach_other_requests(cache_size: int) -> None:
    harness = _build(token_cache_size=cache_size)
    token = _nested_token(harness.authviews)
    for _ in range(3):
        assert _get(harness.client, "/mutate", token, method="POST").status_code == 200
    optional = _get(harness.client, "/optional/claims", token)
    assert optional.json()["claims"]["roles"] == ["reader", "guest"]  # its own copy, changed
    body = _get(harness.client, "/claims", token).json()
    assert body["claims"]["roles"] == EXPECTED_ROLES
    assert body["claims"]["profile"] == EXPECTED_PROFILE
    assert body["header"]["jwk"] == {"kid": "k1", "use": "sig"}


def test_decode_nested_claims_share_nothing_mutable_between_calls() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = _nested_token(authviews)
    first = authviews.codec.decode(token)  # the call that verifies and fills the cache
    first.claims["roles"].append("admin")
    first.claims["profile"]["tags"][1].append("c")
    first.header["jwk"]["kid"] = "evil"
    second = authviews.codec.decode(token)  # from the cache
    second.claims["profile"]["name"] = "mallory"
    third = authviews.codec.decode(token)
    assert third.claims["roles"] == EXPECTED_ROLES
    assert third.claims["profile"] == EXPECTED_PROFILE
    assert third.header["jwk"]["kid"] == "k1"


def test_decode_flat_claims_are_copied_too() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = authviews.create_access_token("alice", claims={"role": "reader"})
    authviews.codec.decode(token).claims["role"] = "admin"
    assert authviews.codec.decode(token).claims["role"] == "reader"


def test_revocation_callback_changing_claims_reaches_no_other_request() -> None:
    seen: list[dict[str, Any]] = []

    def is_revoked(claims: dict[str, Any]) -> bool:
        seen.append(json.loads(json.dumps(claims)))
        claims["sub"] = "mallory"
        claims["roles"].append("admin")
        return False

    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), is_revoked=is_revoked)
    token = authviews.create_access_token("alice", claims={"roles": ["reader"]})
    for _ in range(3):  # the first call verifies and fills the cache, the others read from it
        asyncio.run(authviews.verify(token))
    assert [(claims["sub"], claims["roles"]) for claims in seen] == [("alice", ["reader"])] * 3
    assert authviews.codec.decode(token).claims_read_only["sub"] == "alice"


def test_cached_token_copies_its_claims_only_when_they_are_read() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = authviews.create_access_token("alice", claims={"role": "reader"})
    authviews.codec.decode(token)  # fills the cache
    first, second = authviews.codec.decode(token), authviews.codec.decode(token)
    assert first.identity == "alice" and first.type == "access"
    shared = second.claims_read_only
    assert first.claims_read_only is shared  # nothing copied to read those
    claims = first.claims
    assert claims is first.claims  # one copy per token, made on the first read
    assert claims is not shared and claims == shared
    claims["role"] = "admin"
    assert first.identity == "alice" and shared["role"] == "reader" and second.claims["role"] == "reader"


# -- AUTHJWT_ALLOW_WEAK_SECRET touches no process-wide warning state -----------------------------------------
def test_weak_secret_signs_like_plain_hmac_with_the_short_key() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key="short", allow_weak_secret=True))
    token = authviews.create_access_token("alice")
    signing_input, _, signature = token.rpartition(".")
    assert signature == _b64(hmac.new(b"short", signing_input.encode(), hashlib.sha256).digest())
    assert authviews.codec.decode(_sign(_header(), _json(_claims()), key="short")).claims["sub"] == "alice"


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_weak_secret_from_threads_leaves_warning_filters_alone(algorithm: str) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key="short", algorithm=algorithm, allow_weak_secret=True))
    failures: list[BaseException] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # any warning PyJWT emits is recorded, none is hidden
        filters = list(warnings.filters)

        def work() -> None:
            try:
                for _ in range(50):
                    token = authviews.create_access_token("alice")
                    assert authviews.codec.decode(token).claims["sub"] == "alice"
                    assert warnings.filters == filters
            except BaseException as exc:  # reported below
                failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert warnings.filters == filters
    assert not failures
    assert [str(warning.message) for warning in caught] == []
