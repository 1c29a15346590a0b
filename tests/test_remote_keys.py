"""Verifying against an identity provider's JWKS URL, served by a real local HTTP server that rotates its
keys, goes down, answers slowly and serves garbage."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError, ProtectedView, cbv
from tests.http_server import LocalServer

KEYS = Path(__file__).parent / "keys"
UNAVAILABLE = (503, {"detail": "Signing keys are unavailable"})
BAD_SIGNATURE = (401, {"detail": "Signature verification failed"})


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


def _jwk(kid: str, public: str, algorithm: str = "RS256") -> dict[str, Any]:
    implementation = RSAAlgorithm if algorithm.startswith("RS") else ECAlgorithm
    key = implementation(implementation.SHA256).prepare_key(_pem(public))
    return {**implementation.to_jwk(key, as_dict=True), "kid": kid, "alg": algorithm, "use": "sig"}


SIGNERS = {
    "k1": ("rsa_private.pem", "RS256"),
    "k2": ("rsa_other_private.pem", "RS256"),
    "e1": ("ec_private.pem", "ES256"),
}


def _token(kid: str, sub: str = "alice", private: str | None = None, algorithm: str | None = None) -> str:
    key_file, alg = SIGNERS.get(kid, ("rsa_private.pem", "RS256"))
    now = int(time.time())
    claims = {
        "sub": sub,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
        "type": "access",
    }
    return jwt.encode(claims, _pem(private or key_file), algorithm=algorithm or alg, headers={"kid": kid})


async def _drip() -> AsyncIterator[bytes]:
    yield b'{"keys": ['
    for _ in range(100):
        await asyncio.sleep(0.2)
        yield b" "


@dataclass
class Provider:
    """What the identity provider serves; tests change it while the server runs."""

    keys: list[dict[str, Any]] = field(default_factory=lambda: [_jwk("k1", "rsa_public.pem")])
    mode: str = "ok"  # ok | slow | drip | redirect | garbage | not-a-jwks | error | huge
    delay: float = 0.0
    fetches: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/jwks")
        async def jwks(request: Request) -> Response:
            self.fetches += 1
            if self.mode == "slow":
                await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.mode == "redirect":
                return Response(status_code=302, headers={"Location": "http://idp.invalid/jwks"})
            if self.mode == "drip":  # a byte at a time, never finishing within the timeout
                return StreamingResponse(_drip(), media_type="application/json")
            if self.mode == "garbage":
                return Response(b"<html>\x00\xff not json", media_type="text/html")
            if self.mode == "not-a-jwks":
                return JSONResponse({"keys": "k1"})
            if self.mode == "error":
                return Response(b"Internal Server Error", status_code=500)
            if self.mode == "huge":
                return Response(b'{"keys": [' + b" " * (2 << 20) + b"]}", media_type="application/json")
            return JSONResponse({"keys": self.keys})

        return app


@pytest.fixture
def provider() -> Iterator[tuple[Provider, LocalServer]]:
    state = Provider()
    server = LocalServer(state.app())
    server.start()
    yield state, server
    state.release.set()
    server.stop()


class Clock:
    def __init__(self) -> None:
        self.now = time.time() + 60  # ahead of the tokens' iat, made later in the test

    def __call__(self) -> float:
        return self.now


def _client(server: LocalServer, clock: Clock | None = None, **settings: Any) -> TestClient:
    config = AuthViewsConfig(
        jwks_url=f"{server.url}/jwks",
        **{"decode_algorithms": ["RS256", "ES256"], "jwks_timeout": 2.0, **settings},
    )
    app = FastAPI()
    AuthViews(config, clock=clock or Clock()).install(app)
    router = APIRouter()

    @cbv(router)
    class Me(ProtectedView):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @cbv(router)
    class Socket(ProtectedView):
        @router.websocket("/ws")
        async def ws(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text(f"hello {self.auth.identity}")
            await websocket.close()

    @router.get("/ping")
    def ping() -> dict[str, str]:
        return {"ping": "pong"}

    app.include_router(router)
    return TestClient(app)


def _get(client: TestClient, token: str) -> tuple[int, Any]:
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


# -- caching and rotation ----------------------------------------------------------------------------------
def test_remote_keys_fetched_once_and_cached(provider: tuple[Provider, LocalServer]) -> None:
    state, server = provider
    client = _client(server)
    for _ in range(3):
        assert _get(client, _token("k1")) == (200, {"user": "alice"})
    assert state.fetches == 1


def test_remote_keys_provider_rotation_is_picked_up_on_the_unknown_kid(
    provider: tuple[Provider, LocalServer],
) -> None:
    state, server = provider
    clock = Clock()
    client = _client(server, clock)
    assert _get(client, _token("k1")) == (200, {"user": "alice"})
    state.keys = [_jwk("k2", "rsa_other_public.pem"), _jwk("e1", "ec_public.pem", "ES256")]
    clock.now += 31  # beyond AUTHJWT_JWKS_REFETCH_SECONDS
    assert _get(client, _token("k2", "bob")) == (200, {"user": "bob"})
    assert _get(client, _token("e1", "carol")) == (200, {"user": "carol"})
    assert state.fetches == 2


def _verified_once(server: LocalServer) -> tuple[Clock, TestClient, str]:
    """A client on its own clock, and a k1 token it has verified once (so it sits in the token cache)."""
    clock = Clock()
    client = _client(server, clock)
    token = _token("k1")
    assert _get(client, token) == (200, {"user": "alice"})
    return clock, client, token


def test_remote_keys_key_withdrawn_by_the_provider_refuses_its_cached_tokens(
    provider: tuple[Provider, LocalServer],
) -> None:
    # A token verified before stays in the verified-token cache; once the provider no longer lists its key
    # (a compromised key withdrawn), it is refused when the cached key set is due again, like a new one.
    state, server = provider
    clock, client, token = _verified_once(server)
    state.keys = [_jwk("k2", "rsa_other_public.pem")]
    clock.now += 299  # the key set is still fresh (AUTHJWT_JWKS_CACHE_SECONDS, 300): no fetch yet
    assert _get(client, token) == (200, {"user": "alice"})
    assert state.fetches == 1
    clock.now += 2
    assert _get(client, token) == BAD_SIGNATURE
    assert state.fetches == 2
    assert _get(client, _token("k2", "bob")) == (200, {"user": "bob"})


def test_remote_keys_key_set_fetched_for_a_new_kid_refuses_tokens_of_a_withdrawn_key_at_once(
    provider: tuple[Provider, LocalServer],
) -> None:
    # The provider rotates k1 out and k2 in; the first k2 token fetches the set (past the refetch interval,
    # well before the set is stale), and from then on the cached k1 token is refused too.
    state, server = provider
    clock, client, token = _verified_once(server)
    state.keys = [_jwk("k2", "rsa_other_public.pem")]
    clock.now += 31
    assert _get(client, token) == (200, {"user": "alice"})  # nothing fetched yet: the set in hand has k1
    assert _get(client, _token("k2", "bob")) == (200, {"user": "bob"})
    assert state.fetches == 2
    assert _get(client, token) == BAD_SIGNATURE


def test_remote_keys_cached_token_still_accepted_while_the_provider_is_down(
    provider: tuple[Provider, LocalServer],
) -> None:
    # The same moment with the provider unreachable: the key set kept from the last fetch still decides.
    state, server = provider
    clock, client, token = _verified_once(server)
    state.mode = "error"
    clock.now += 301
    assert _get(client, token) == (200, {"user": "alice"})
    assert state.fetches == 2


def test_remote_keys_unknown_kids_refetch_at_most_once_per_interval(
    provider: tuple[Provider, LocalServer],
) -> None:
    state, server = provider
    clock = Clock()
    client = _client(server, clock)
    assert _get(client, _token("k1")) == (200, {"user": "alice"})
    assert _get(client, _token(uuid.uuid4().hex)) == BAD_SIGNATURE
    assert state.fetches == 1  # fetched a moment ago: an unknown kid does not fetch again
    clock.now += 31
    for _ in range(20):
        assert _get(client, _token(uuid.uuid4().hex)) == BAD_SIGNATURE
        clock.now += 1
    assert state.fetches == 2  # one more fetch, for the first unknown kid after the interval


def test_remote_keys_kid_signed_with_another_key_is_refused(provider: tuple[Provider, LocalServer]) -> None:
    _, server = provider
    client = _client(server)
    assert _get(client, _token("k1", private="rsa_other_private.pem")) == BAD_SIGNATURE
    assert _get(client, _token("k1", private="ec_private.pem", algorithm="ES256")) == (
        401,
        {"detail": "The specified alg value is not allowed"},
    )


def test_remote_keys_jwk_alg_limits_the_key_to_that_algorithm(provider: tuple[Provider, LocalServer]) -> None:
    _, server = provider  # k1 is published with "alg": "RS256"
    client = _client(server, decode_algorithms=["RS256", "PS256"])
    assert _get(client, _token("k1", algorithm="PS256")) == (
        401,
        {"detail": "The specified alg value is not allowed"},
    )
    assert _get(client, _token("k1")) == (200, {"user": "alice"})


def test_remote_keys_token_without_kid_is_refused(provider: tuple[Provider, LocalServer]) -> None:
    _, server = provider
    token = jwt.encode(
        {"sub": "a", "type": "access", "exp": time.time() + 60}, _pem("rsa_private.pem"), "RS256"
    )
    assert _get(_client(server), token) == (401, {"detail": "Token has no kid header"})


# -- the provider fails --------------------------------------------------------------------------------------
def test_remote_keys_provider_down_answers_503_then_recovers(provider: tuple[Provider, LocalServer]) -> None:
    _, server = provider
    clock = Clock()
    client = _client(server, clock)
    server.stop()
    assert _get(client, _token("k1")) == UNAVAILABLE
    assert _get(client, _token("k1")) == UNAVAILABLE  # within the refetch interval: no new fetch, still 503
    server.start()
    clock.now += 31
    assert _get(client, _token("k1")) == (200, {"user": "alice"})


def test_remote_keys_provider_down_cached_keys_still_verify(provider: tuple[Provider, LocalServer]) -> None:
    _, server = provider
    clock = Clock()
    client = _client(server, clock)
    assert _get(client, _token("k1")) == (200, {"user": "alice"})
    server.stop()
    clock.now += 301  # the cache is stale: a fetch is tried, fails, and the cached key is kept
    assert _get(client, _token("k1", "bob")) == (200, {"user": "bob"})
    assert _get(client, _token("k2")) == UNAVAILABLE  # not cached, cannot be fetched: fail closed


@pytest.mark.parametrize("mode", ["garbage", "not-a-jwks", "error", "huge", "redirect", "drip"])
def test_remote_keys_garbage_answers_503_never_500(provider: tuple[Provider, LocalServer], mode: str) -> None:
    state, server = provider
    state.mode = mode
    assert _get(_client(server), _token("k1")) == UNAVAILABLE


def test_remote_keys_bad_keys_in_the_set_are_skipped(provider: tuple[Provider, LocalServer]) -> None:
    state, server = provider
    state.keys = [
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hs"},
        {**_jwk("priv", "rsa_public.pem"), "d": "AQAB"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        _jwk("k1", "rsa_public.pem"),
    ]
    client = _client(server)
    assert _get(client, _token("k1")) == (200, {"user": "alice"})
    assert _get(client, jwt.encode({"sub": "a", "type": "access"}, "s" * 32, headers={"kid": "hs"})) == (
        401,
        {"detail": "The specified alg value is not allowed"},
    )


def test_remote_keys_slow_provider_times_out_with_503_and_the_loop_keeps_serving(
    provider: tuple[Provider, LocalServer],
) -> None:
    state, server = provider
    state.mode = "slow"  # the provider answers only when released (or after 30 s)
    with _client(server, jwks_timeout=3.0) as client:
        results: list[tuple[int, Any]] = []
        waiting = threading.Thread(target=lambda: results.append(_get(client, _token("k1"))))
        waiting.start()
        while state.fetches == 0:
            time.sleep(0.01)
        assert client.get("/ping").json() == {"ping": "pong"}  # served while the fetch is under way
        assert waiting.is_alive()
        waiting.join(timeout=60)
    assert results == [UNAVAILABLE]


def test_remote_keys_concurrent_requests_share_one_fetch(provider: tuple[Provider, LocalServer]) -> None:
    state, server = provider
    state.delay = 0.5
    with _client(server) as client:
        results: list[tuple[int, Any]] = []
        threads = [
            threading.Thread(target=lambda: results.append(_get(client, _token("k1")))) for _ in range(10)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert results == [(200, {"user": "alice"})] * 10
    assert state.fetches == 1


# -- configuration -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["http://idp.example/jwks", "ftp://127.0.0.1/jwks", "https:///jwks", "file:///etc/passwd"]
)
def test_config_jwks_url_must_be_https_unless_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_JWKS_URL must be an https:// URL"):
        AuthViewsConfig(jwks_url=url, algorithm="RS256")


def test_config_jwks_url_and_file_together_raise(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_JWKS_URL and AUTHJWT_JWKS_FILE"):
        AuthViewsConfig(jwks_url="https://idp.example/jwks", jwks_file=str(tmp_path / "x"), algorithm="RS256")


def test_remote_keys_websocket_fetches_then_closes_1011_when_the_provider_is_down(
    provider: tuple[Provider, LocalServer],
) -> None:
    _, server = provider
    client = _client(server)
    with client.websocket_connect(f"/ws?token={_token('k1')}") as websocket:
        assert websocket.receive_text() == "hello alice"
    down = _client(server)
    server.stop()
    with (
        pytest.raises(WebSocketDisconnect) as info,
        down.websocket_connect(f"/ws?token={_token('k1')}") as ws,
    ):
        ws.receive_text()
    assert (info.value.code, info.value.reason) == (1011, "Signing keys are unavailable")
