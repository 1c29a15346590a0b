"""Login sessions on the memory store when it is full, when entries expire mid-operation, when threads race,
and when one identity loops on login and "log out everywhere" for hours (an injected clock, no sleeping)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    LoginSession,
    MemoryRevocationStore,
    ProtectedView,
    RefreshView,
    RevocationUnavailableError,
    SessionLimitError,
    cbv,
)
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException

SECRET = "m" * 32
REVOKED = {"detail": "Token has been revoked"}


class Clock:
    def __init__(self, now: float = 1_000_000.0, tick: float = 0.0) -> None:
        self.now, self.tick = now, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def _app(store: MemoryRevocationStore, clock: Clock, **settings: Any) -> tuple[TestClient, AuthViews]:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, **settings)
    authviews = AuthViews(config, store=store, clock=clock)
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @router.post("/login/{user}")
    async def login(user: str) -> dict[str, str]:
        return (await authviews.sessions.login(user))._asdict()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @router.get("/sessions")
        async def sessions(self) -> list[str]:
            return [session.family for session in await self.auth.sessions()]

        @router.delete("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "Access token revoked"}

        @router.delete("/sessions")
        async def end_all(self) -> dict[str, int]:
            return {"ended": await self.auth.revoke_all_sessions()}

    @cbv(router)
    class Tokens(RefreshView):
        @router.post("/refresh")
        async def refresh(self) -> dict[str, str]:
            return (await self.auth.refresh())._asdict()

        @router.post("/refresh-access-only")
        async def access_only(self) -> dict[str, str]:  # the route of docs/views.md: no self.auth.refresh()
            assert self.auth.identity is not None
            return {"access_token": self.auth.create_access_token(self.auth.identity)}

    app.include_router(router)
    return TestClient(app), authviews


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads as often as possible, so that a missing lock shows."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


# -- log out everywhere on a full store ---------------------------------------------------------------------
def test_sessions_log_out_everywhere_on_a_full_store_fails_then_a_retry_ends_every_session() -> None:
    clock = Clock()
    store = MemoryRevocationStore(5, timer=clock)
    client, _ = _app(store, clock)
    logins = [client.post("/login/ann").json() for _ in range(3)]
    for n in range(4):  # other revocations fill the store but for one entry
        asyncio.run(store.revoke(f"jti:filler-{n}", clock.now + 10))
    response = client.delete("/sessions", headers=_bearer(logins[2]["access_token"]))
    assert (response.status_code, response.json()) == (503, {"detail": "Token revocation store is full"})
    clock.now += 11  # the other entries expire
    alive = [x for x in logins if client.get("/me", headers=_bearer(x["access_token"])).is_success]
    assert len(alive) == 2  # one family was revoked before the store filled, no record was touched
    retry = client.delete("/sessions", headers=_bearer(alive[0]["access_token"]))
    assert retry.json() == {"ended": 3}
    for login in logins:
        assert client.get("/me", headers=_bearer(login["access_token"])).json() == REVOKED
        assert client.post("/refresh", headers=_bearer(login["refresh_token"])).json() == REVOKED


def test_sessions_memory_store_session_expiring_while_saved_leaves_list_and_revoke_all_working() -> None:
    clock = Clock(tick=0.4)  # every reading of the clock moves it on
    store = MemoryRevocationStore(10, timer=clock)
    asyncio.run(store.save_session(LoginSession("long", "ann", 0, 0, clock.now + 100)))
    asyncio.run(store.save_session(LoginSession("short", "ann", 0, 0, clock.now + 0.5)))
    clock.now += 1  # "short" has expired
    assert [s.family for s in asyncio.run(store.list_sessions("ann"))] == ["long"]
    authviews = AuthViews(
        AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=store, clock=clock
    )
    assert asyncio.run(authviews.sessions.revoke_all("ann")) == 1
    assert asyncio.run(authviews.sessions.list("ann")) == []


# -- unambiguous keys --------------------------------------------------------------------------------------
def test_sessions_integer_and_string_identities_are_different_users() -> None:
    clock = Clock()
    store = MemoryRevocationStore(100, timer=clock)
    client, authviews = _app(store, clock)
    number = asyncio.run(authviews.sessions.login(1234))
    text = asyncio.run(authviews.sessions.login("1234"))
    (as_int,) = asyncio.run(authviews.sessions.list(1234))
    (as_str,) = asyncio.run(authviews.sessions.list("1234"))
    assert (as_int.identity, as_str.identity) == (1234, "1234")
    assert as_int.family != as_str.family
    assert asyncio.run(authviews.sessions.revoke(1234, as_str.family)) is False  # not theirs
    assert client.delete("/sessions", headers=_bearer(number.access_token)).json() == {"ended": 1}
    assert client.get("/me", headers=_bearer(number.access_token)).json() == REVOKED
    assert client.get("/me", headers=_bearer(text.access_token)).json() == {"user": "1234"}


def test_sessions_revoked_jti_shaped_like_a_family_ends_no_one_elses_login() -> None:
    clock = Clock()
    store = MemoryRevocationStore(100, timer=clock)
    client, authviews = _app(store, clock)
    victim = client.post("/login/alice").json()
    family = authviews.codec.decode(victim["access_token"]).claims["fam"]
    now = int(clock.now)
    crafted = jwt.encode(  # a validly signed token whose jti names the victim's family
        {
            "sub": "mallory",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "type": "access",
            "fresh": False,
            "jti": f"family:{family}",
        },
        SECRET,
        algorithm="HS256",
    )
    assert client.delete("/logout", headers=_bearer(crafted)).json() == {"detail": "Access token revoked"}
    assert client.get("/me", headers=_bearer(crafted)).json() == REVOKED
    assert client.get("/me", headers=_bearer(victim["access_token"])).json() == {"user": "alice"}


# -- rotation, whichever API made the token and whatever the route does ----------------------------------
def test_sessions_rotation_refresh_token_is_good_for_one_refresh_even_without_auth_refresh() -> None:
    clock = Clock()
    client, authviews = _app(MemoryRevocationStore(100, timer=clock), clock, refresh_token_rotation=True)
    pair = authviews.create_token_pair("ann")  # no login session: rotation still gives it a family
    claims = [authviews.codec.decode(token).claims for token in pair]
    assert claims[0]["fam"] == claims[1]["fam"]
    assert "fam" in authviews.codec.decode(authviews.create_refresh_token("ann")).claims
    first = client.post("/refresh-access-only", headers=_bearer(pair.refresh_token))
    assert first.status_code == 200
    second = client.post("/refresh-access-only", headers=_bearer(pair.refresh_token))
    assert (second.status_code, second.json()["detail"][:28]) == (401, "Refresh token reuse detected")
    assert client.get("/me", headers=_bearer(pair.access_token)).json() == REVOKED  # its family is revoked


def test_sessions_rotation_family_without_a_record_gets_one_at_its_first_refresh() -> None:
    clock = Clock()
    client, authviews = _app(MemoryRevocationStore(100, timer=clock), clock, refresh_token_rotation=True)
    pair = authviews.create_token_pair("ann")
    rotated = client.post("/refresh", headers=_bearer(pair.refresh_token)).json()
    assert client.get("/sessions", headers=_bearer(rotated["access_token"])).json() == [
        authviews.codec.decode(pair.refresh_token).claims["fam"]
    ]
    assert client.delete("/sessions", headers=_bearer(rotated["access_token"])).json() == {"ended": 1}
    assert client.post("/refresh", headers=_bearer(rotated["refresh_token"])).json() == REVOKED


# -- revoking by jti without an expiry -----------------------------------------------------------------------
def test_revoke_jti_without_expiry_outlives_a_longer_explicit_lifetime() -> None:
    clock = Clock()
    store = MemoryRevocationStore(100, timer=clock)
    client, authviews = _app(store, clock)
    token = authviews.create_access_token("ann", expires=60 * 24 * 3600)  # 60 days, more than any setting
    asyncio.run(authviews.revoke_jti(authviews.codec.decode(token).claims["jti"]))
    clock.now += 59 * 24 * 3600
    assert client.get("/me", headers=_bearer(token)).json() == REVOKED


# -- bounded memory ------------------------------------------------------------------------------------------
def _loop_login_and_log_out_everywhere(authviews: AuthViews, clock: Clock, hours: float) -> tuple[int, int]:
    """One identity logs in and logs out everywhere, once a second; returns (cycles done, refused)."""
    done = refused = 0

    async def loop() -> None:
        nonlocal done, refused
        for _ in range(int(hours * 3600)):
            clock.now += 1
            try:
                await authviews.sessions.login("mallory")
            except SessionLimitError:
                refused += 1
                continue
            await authviews.sessions.revoke_all("mallory")
            done += 1

    asyncio.run(loop())
    return done, refused


def test_sessions_one_identity_looping_for_hours_cannot_deny_service_to_others() -> None:
    clock = Clock()
    store = MemoryRevocationStore(300, session_capacity=300, timer=clock)
    settings = {"refresh_token_expires": 3600, "access_token_expires": 600, "sessions_per_identity": 50}
    client, authviews = _app(store, clock, refresh_token_rotation=True, **settings)
    for hour in range(3):
        done, refused = _loop_login_and_log_out_everywhere(authviews, clock, hours=1)
        # 50 per 70 minutes (a family's tokens live 60 + 10 minutes): the rest is refused, to mallory only
        assert 0 < done <= 50 + 50 * hour and refused > 3000
        assert len(store) <= 50 + 5
        login = client.post("/login/alice").json()
        rotated = client.post("/refresh", headers=_bearer(login["refresh_token"]))
        assert rotated.status_code == 200, rotated.text
        assert client.delete("/sessions", headers=_bearer(rotated.json()["access_token"])).json() == {
            "ended": 1
        }
        assert client.delete(
            "/logout", headers=_bearer(client.post("/login/bob").json()["access_token"])
        ).is_success


def test_sessions_without_a_per_identity_limit_the_same_loop_fills_the_store() -> None:
    """The fault the limit fixes: every ended session keeps a family entry, and the store fills up."""
    clock = Clock()
    store = MemoryRevocationStore(300, session_capacity=300, timer=clock)
    settings = {"refresh_token_expires": 3600, "access_token_expires": 600, "sessions_per_identity": 10**6}
    client, authviews = _app(store, clock, **settings)
    with pytest.raises(RevocationUnavailableError):
        _loop_login_and_log_out_everywhere(authviews, clock, hours=1)
    login = client.post("/login/alice")
    assert login.status_code == 503


# -- thread safety -------------------------------------------------------------------------------------------
def test_memory_store_concurrent_consumptions_of_one_token_have_one_winner(fast_switching: None) -> None:
    store = MemoryRevocationStore(100_000)
    winners: dict[str, list[str]] = {f"jti:{n}": [] for n in range(5000)}

    def consume(me: str) -> None:
        for key, won in winners.items():
            if store.revoke_now(key, 10**10, by=me):
                won.append(me)

    threads = [threading.Thread(target=consume, args=(f"worker-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {key: len(won) for key, won in winners.items() if len(won) != 1} == {}


def test_memory_store_concurrent_saves_of_one_identity_keep_every_session(fast_switching: None) -> None:
    store = MemoryRevocationStore(100_000)

    def save(worker: int) -> None:
        for n in range(300):
            asyncio.run(store.save_session(LoginSession(f"{worker}-{n}", "ann", n, n, 10**10)))

    threads = [threading.Thread(target=save, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(asyncio.run(store.list_sessions("ann"))) == 1800


def test_sessions_rotation_with_a_store_whose_revoke_takes_no_by_stops_at_start_up() -> None:
    class OldStore:
        async def revoke(self, jti: str, expires_at: float | None) -> bool:
            return True

        async def is_revoked(self, *ids: str) -> bool:
            return False

    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, refresh_token_rotation=True)
    with pytest.raises(
        ConfigurationError, match=r"AUTHJWT_REFRESH_TOKEN_ROTATION needs a store whose revoke"
    ):
        AuthViews(config, store=OldStore())
    AuthViews(config.replace(refresh_token_rotation=False), store=OldStore())  # revocation alone is fine


def test_sessions_rotation_compat_api_consumes_a_refresh_cookie_only_in_its_refresh_guard() -> None:
    """AuthJWT reads every token of a request: a refresh cookie sent along to other routes stays good."""
    config = AuthViewsConfig(
        secret_key=SECRET,
        blacklist_enabled=True,
        refresh_token_rotation=True,
        token_location=("cookies",),
        cookie_csrf_protect=False,
    )
    app = FastAPI()
    AuthViews(config).install(app)

    @app.exception_handler(AuthJWTException)
    def render(request: Request, exc: AuthJWTException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    @app.post("/login")
    def login(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.set_access_cookies(Authorize.create_access_token(subject="ann"))
        Authorize.set_refresh_cookies(Authorize.create_refresh_token(subject="ann"))
        return {}

    @app.get("/protected")
    def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.post("/refresh")
    def refresh(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_refresh_token_required()
        Authorize.jwt_refresh_token_required()  # twice in one request: still one consumption
        Authorize.set_refresh_cookies(Authorize.create_refresh_token(subject="ann"))
        return {}

    client = TestClient(app)
    client.post("/login")
    old = client.cookies["refresh_token_cookie"]
    for _ in range(3):
        assert client.get("/protected").json() == {"user": "ann"}
    assert client.post("/refresh").status_code == 200
    assert client.cookies["refresh_token_cookie"] != old
    assert client.post("/refresh").status_code == 200  # the new refresh cookie, once
    replay = TestClient(app, cookies={"refresh_token_cookie": old}).post("/refresh")  # the copied cookie
    assert (replay.status_code, replay.json()["detail"][:28]) == (401, "Refresh token reuse detected")


def test_sessions_rotation_refresh_token_without_a_family_gets_one_for_its_successors() -> None:
    """A refresh token minted before rotation was turned on has no family; what it is exchanged for has."""
    clock = Clock()
    store = MemoryRevocationStore(100, timer=clock)
    before = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=store, clock=clock)
    old = before.create_refresh_token("ann")
    assert "fam" not in before.codec.decode(old).claims
    client, authviews = _app(store, clock, refresh_token_rotation=True)
    pair = client.post("/refresh", headers=_bearer(old)).json()
    families = {authviews.codec.decode(token).claims.get("fam") for token in pair.values()}
    assert len(families) == 1 and None not in families
    replay = client.post("/refresh", headers=_bearer(old))
    assert (replay.status_code, replay.json()["detail"][:28]) == (401, "Refresh token reuse detected")
    assert client.get("/me", headers=_bearer(pair["access_token"])).json() == REVOKED  # its successors
    assert client.post("/refresh", headers=_bearer(pair["refresh_token"])).json() == REVOKED


def test_sessions_rotation_spent_token_stays_spent_after_its_own_entry_is_gone() -> None:
    clock = Clock()
    store = MemoryRevocationStore(100, timer=clock)
    client, _ = _app(store, clock, refresh_token_rotation=True)
    login = client.post("/login/ann").json()
    rotated = client.post("/refresh", headers=_bearer(login["refresh_token"])).json()
    access_only = client.post("/refresh-access-only", headers=_bearer(rotated["refresh_token"]))
    assert access_only.status_code == 200
    clock.now += 3600  # the spent tokens' own entries are long gone: the session record tells
    assert len(store) == 0
    replay = client.post("/refresh", headers=_bearer(login["refresh_token"]))
    assert (replay.status_code, replay.json()["detail"][:28]) == (401, "Refresh token reuse detected")
    assert client.post("/refresh", headers=_bearer(rotated["refresh_token"])).json() == REVOKED


def test_sessions_rotation_refreshing_for_hours_keeps_a_bounded_number_of_entries() -> None:
    """One refresh a second for two hours: each spent token's entry lasts a minute, not 30 days."""
    clock = Clock()
    store = MemoryRevocationStore(1000, session_capacity=10, timer=clock)
    _, authviews = _app(store, clock, refresh_token_rotation=True)

    async def loop() -> int:
        pair, most = await authviews.sessions.login("mallory"), 0
        for _ in range(2 * 3600):
            clock.now += 1
            pair = await authviews.sessions.refresh(await authviews.verify(pair.refresh_token, "refresh"))
            most = max(most, len(store))
        return most

    assert asyncio.run(loop()) <= 61


class _EndingStore(MemoryRevocationStore):
    """The memory store, running ``before_save`` (once) just before it saves a record."""

    before_save: Callable[[], Awaitable[object]] | None = None

    async def save_session(self, session: LoginSession) -> None:
        hook, self.before_save = self.before_save, None
        if hook is not None:
            await hook()
        await super().save_session(session)


def test_sessions_ended_while_a_refresh_runs_is_never_listed_again() -> None:
    clock = Clock()
    store = _EndingStore(100, timer=clock)
    client, authviews = _app(store, clock, refresh_token_rotation=True)
    phone, laptop = client.post("/login/ann").json(), client.post("/login/ann").json()
    family = authviews.codec.decode(phone["refresh_token"]).claims["fam"]
    store.before_save = lambda: authviews.sessions.revoke("ann", family)  # "end the phone", from the laptop
    response = client.post("/refresh", headers=_bearer(phone["refresh_token"]))
    assert (response.status_code, response.json()) == (401, REVOKED)
    assert client.get("/sessions", headers=_bearer(laptop["access_token"])).json() == [
        authviews.codec.decode(laptop["refresh_token"]).claims["fam"]
    ]
