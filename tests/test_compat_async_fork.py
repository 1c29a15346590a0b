"""async-fastapi-jwt-auth code with only the import lines changed: ``Depends(AuthJWTBearer())`` or
``Depends()``, every method awaited, async denylist callbacks, cookies, WebSockets, the bearer scheme."""

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.asyncio import AuthJWT
from fastapi_jwt_views.asyncio.auth_config import AuthConfig
from fastapi_jwt_views.asyncio.auth_jwt import AuthJWTBearer
from fastapi_jwt_views.asyncio.exceptions import AuthJWTException, RevokedTokenError
from fastapi_jwt_views.compat import AuthJWT as SyncAuthJWT

SECRET = secrets.token_hex(32)
auth_dep = AuthJWTBearer()


class User(BaseModel):
    username: str
    password: str


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> Iterator[None]:
    PROCESS.reset()
    yield
    PROCESS.reset()


def _configure(*extra: tuple[str, Any]) -> None:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET), *extra]


def _app(denylist: set[str] | None = None) -> FastAPI:
    app = FastAPI()

    @app.exception_handler(AuthJWTException)
    def authjwt_exception_handler(request: Request, exc: AuthJWTException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    if denylist is not None:

        @AuthJWT.token_in_denylist_loader
        async def check_if_token_in_denylist(decrypted_token: dict[str, Any]) -> bool:
            await asyncio.sleep(0)
            return decrypted_token["jti"] in denylist

    @app.post("/login")
    async def login(user: User, authorize: AuthJWT = Depends(auth_dep)) -> dict[str, str]:
        if user.username != "test" or user.password != "test":
            raise HTTPException(status_code=401, detail="Bad username or password")
        access_token = await authorize.create_access_token(subject=user.username, fresh=True)
        refresh_token = await authorize.create_refresh_token(subject=user.username)
        return {"access_token": access_token, "refresh_token": refresh_token}

    @app.post("/refresh")
    async def refresh(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, str]:
        await authorize.jwt_refresh_token_required()
        current_user = await authorize.get_jwt_subject()
        return {"access_token": await authorize.create_access_token(subject=current_user)}  # type: ignore[arg-type]

    @app.get("/user")
    async def user(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, Any]:
        await authorize.jwt_required()
        return {"user": await authorize.get_jwt_subject()}

    @app.get("/class-dependency")
    async def class_dependency(authorize: AuthJWT = Depends()) -> dict[str, Any]:
        await authorize.jwt_required()
        return {"user": await authorize.get_jwt_subject()}

    @app.get("/optional")
    async def optional(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, Any]:
        await authorize.jwt_optional()
        return {"user": await authorize.get_jwt_subject() or "anonymous"}

    @app.post("/fresh")
    async def fresh(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, Any]:
        await authorize.fresh_jwt_required()
        return {"user": await authorize.get_jwt_subject()}

    @app.delete("/access-revoke")
    async def access_revoke(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, str]:
        await authorize.jwt_required()
        assert denylist is not None
        denylist.add((await authorize.get_raw_jwt())["jti"])  # type: ignore[index]
        return {"detail": "Access token has been revoke"}

    @app.websocket("/ws")
    async def websocket(
        websocket: WebSocket, token: str = Query(...), authorize: AuthJWT = Depends(auth_dep)
    ) -> None:
        await websocket.accept()
        try:
            await authorize.jwt_required("websocket", token=token)
            await websocket.send_text("Successfully Login!")
        except AuthJWTException as err:
            await websocket.send_text(err.message)
        await websocket.close()

    return app


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_compat_async_fork_bearer_login_and_guards() -> None:
    _configure()
    client = TestClient(_app())
    tokens = _login(client)
    assert client.get("/user", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    assert client.get("/class-dependency", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    assert client.get("/optional").json() == {"user": "anonymous"}
    assert client.post("/fresh", headers=_bearer(tokens["access_token"])).status_code == 200
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    response = client.post("/fresh", headers=_bearer(refreshed))
    assert (response.status_code, response.json()) == (401, {"detail": "Fresh token required"})
    response = client.get("/user")
    assert (response.status_code, response.json()) == (401, {"detail": "Missing Authorization Header"})
    response = client.get("/user", headers=_bearer(tokens["refresh_token"]))
    assert (response.status_code, response.json()) == (422, {"detail": "Only access tokens are allowed"})


def test_compat_async_fork_async_denylist_callback_is_awaited() -> None:
    _configure(("authjwt_denylist_enabled", True))
    denylist: set[str] = set()
    client = TestClient(_app(denylist))
    access = _login(client)["access_token"]
    assert client.get("/user", headers=_bearer(access)).status_code == 200  # a coroutine is not "revoked"
    assert client.delete("/access-revoke", headers=_bearer(access)).status_code == 200
    response = client.get("/user", headers=_bearer(access))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})


def test_compat_async_fork_websocket_token_from_query() -> None:
    _configure()
    client = TestClient(_app())
    tokens = _login(client)
    with client.websocket_connect(f"/ws?token={tokens['access_token']}") as websocket:
        assert websocket.receive_text() == "Successfully Login!"
    with client.websocket_connect(f"/ws?token={tokens['refresh_token']}") as websocket:
        assert websocket.receive_text() == "Only access tokens are allowed"


def test_compat_async_fork_guard_outside_a_request_checks_revocation() -> None:
    _configure(("authjwt_denylist_enabled", True))
    denylist: set[str] = set()
    _app(denylist)  # registers the async callback

    async def run() -> None:
        authorize = AuthJWT()
        token = await authorize.create_access_token(subject="test")
        await authorize.jwt_required("websocket", token=token)
        assert await authorize.get_jwt_subject() == "test"
        denylist.add(await authorize.get_jti(token) or "")
        with pytest.raises(RevokedTokenError) as info:
            await AuthJWT().jwt_required("websocket", token=token)
        assert info.value.status_code == 1008

    asyncio.run(run())


def test_compat_async_fork_cookies_and_revoke_token() -> None:
    _configure(("authjwt_token_location", {"cookies"}), ("authjwt_denylist_enabled", True))
    app = FastAPI()

    @app.get("/cookies")
    async def cookies(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, str]:
        await authorize.set_access_cookies(await authorize.create_access_token(subject="test"))
        return {"msg": "ok"}

    @app.post("/logout")
    async def logout(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, str]:
        await authorize.jwt_required()
        await authorize.revoke_token()
        await authorize.unset_jwt_cookies()
        return {"msg": "bye"}

    @app.get("/me")
    async def me(authorize: AuthJWT = Depends(auth_dep)) -> dict[str, Any]:
        await authorize.jwt_required()
        return {"user": await authorize.get_jwt_subject()}

    client = TestClient(app)
    client.get("/cookies")
    stolen = client.cookies["access_token_cookie"]
    assert client.get("/me").json() == {"user": "test"}
    assert (
        client.post("/logout", headers={"X-CSRF-Token": client.cookies["csrf_access_token"]}).status_code
        == 200
    )
    assert "access_token_cookie" not in client.cookies
    client.cookies.set("access_token_cookie", stolen)
    response = client.get("/me")
    assert response.json() == {"detail": "Token has been revoked"}


def test_compat_async_fork_bearer_scheme_in_openapi() -> None:
    _configure()
    document = TestClient(_app()).get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {
        "AuthJWTBearer": {"type": "http", "scheme": "bearer"}
    }
    assert document["paths"]["/user"]["get"]["security"] == [{"AuthJWTBearer": []}]


def test_compat_async_fork_shares_the_process_configuration() -> None:
    from fastapi_jwt_views.compat import AuthJWT as SyncAuthJWT

    assert issubclass(AuthJWT, AuthConfig)
    _configure(("authjwt_header_name", "X-Token"))
    assert SyncAuthJWT._header_name == "X-Token"
    AuthJWT._header_name = "Authorization"
    assert SyncAuthJWT._header_name == "Authorization"


def _rotating_cookie_app(store: Any = None) -> tuple[FastAPI, AuthViews]:
    config = AuthViewsConfig(
        secret_key=secrets.token_hex(32),
        blacklist_enabled=True,
        refresh_token_rotation=True,
        token_location=("cookies",),
        cookie_csrf_protect=False,
    )
    authviews = AuthViews(config, store=store).install(app := FastAPI())

    @app.exception_handler(AuthJWTException)
    def render(request: Request, exc: AuthJWTException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    return app, authviews


def test_compat_async_fork_rotation_consumes_a_refresh_token_once_in_its_guard() -> None:
    app, authviews = _rotating_cookie_app()

    @app.get("/protected")
    async def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        await Authorize.jwt_required()
        return {"user": await Authorize.get_jwt_subject()}

    @app.post("/refresh")
    async def refresh(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        await Authorize.jwt_refresh_token_required()
        await Authorize.jwt_refresh_token_required()  # twice in one request: one consumption
        return {}

    pair = authviews.create_token_pair("ann")
    cookies = {"access_token_cookie": pair.access_token, "refresh_token_cookie": pair.refresh_token}
    with TestClient(app, cookies=cookies) as client:
        for _ in range(3):  # the refresh cookie travels along, and is not spent by other routes
            assert client.get("/protected").json() == {"user": "ann"}
        assert client.post("/refresh").status_code == 200
        again = client.post("/refresh")
    assert (again.status_code, again.json()["detail"][:28]) == (401, "Refresh token reuse detected")


def test_compat_sync_refresh_guard_with_a_waiting_store_refuses_and_names_the_async_api(
    redis_server: Any, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi_jwt_views.revocation.redis import RedisRevocationStore

    app, authviews = _rotating_cookie_app(RedisRevocationStore(url=redis_server.url, prefix=redis_prefix))

    @app.post("/refresh")
    def refresh(Authorize: SyncAuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_refresh_token_required()
        return {}

    cookies = {"refresh_token_cookie": authviews.create_refresh_token("ann")}
    with TestClient(app, cookies=cookies) as client:
        response = client.post("/refresh")
    assert response.status_code == 503  # never accepted without consuming it
    assert "await Authorize.jwt_refresh_token_required()" in caplog.text
