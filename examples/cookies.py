"""Tokens in cookies, protected against CSRF by a double submit: the way to go for a browser front end.

``POST /login`` puts the access and refresh tokens in HttpOnly cookies, which page scripts cannot read, and
each token's CSRF value in a cookie they can (``csrf_access_token``, ``csrf_refresh_token``). The browser
sends all of them by itself; the page's script copies the CSRF value into an ``X-CSRF-Token`` header on
every POST, PUT, PATCH and DELETE. A form on another site can make the browser send the cookies, but it
cannot read the CSRF cookie, so its request gets 401 "Missing CSRF Token".

* ``GET /user`` needs the access cookie only: GET, HEAD and OPTIONS are never CSRF-checked;
* ``POST /messages`` needs the access cookie and ``X-CSRF-Token: <csrf_access_token>``;
* ``POST /refresh`` (a :class:`RefreshView`) needs the refresh cookie and
  ``X-CSRF-Token: <csrf_refresh_token>``, and sets a new (non-fresh) access cookie;
* ``POST /logout`` revokes the access token and deletes the four cookies. A client whose access token has
  expired refreshes first, as for any other route.

This example makes cookies the only token location and enables revocation in code, on top of whatever the
``AUTHJWT_*`` variables say. In production also set ``AUTHJWT_COOKIE_SECURE=true`` (HTTPS only) and
``AUTHJWT_COOKIE_SAMESITE=lax`` or ``strict`` (see docs/locations.md).

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.cookies:app

    curl -s -c jar -X POST localhost:8000/login -H 'Content-Type: application/json' \\
         -d '{"username": "test", "password": "test"}'
    curl -s -b jar localhost:8000/user
    curl -s -b jar -X POST localhost:8000/messages -H 'Content-Type: application/json' -d '{"text": "hi"}' \\
         -H "X-CSRF-Token: $(awk '$6 == "csrf_access_token" {print $7}' jar)"
"""

from fastapi import APIRouter, FastAPI, HTTPException, Response
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, RefreshView, cbv

app = FastAPI(title="fastapi-jwt-views: cookies")
config = AuthViewsConfig.from_env().replace(token_location=("cookies",), blacklist_enabled=True)
authviews = AuthViews(config).install(app)
router = APIRouter()

USERS = {"test": "test"}  # a stand-in for your user database (store password hashes in a real one)


class Credentials(BaseModel):
    username: str
    password: str


class Message(BaseModel):
    text: str


@router.post("/login")
async def login(credentials: Credentials, response: Response) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    access_token, refresh_token = authviews.create_token_pair(credentials.username, fresh=True)
    authviews.set_access_cookies(response, access_token)
    authviews.set_refresh_cookies(response, refresh_token)
    return {"detail": "Logged in"}


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "fresh": self.auth.fresh}

    @router.post("/messages")
    async def post_message(self, message: Message) -> dict[str, object]:
        return {"from": self.auth.identity, "text": message.text}

    @router.post("/logout")
    async def logout(self, response: Response) -> dict[str, str]:
        await self.auth.revoke()
        self.auth.unset_jwt_cookies(response)
        return {"detail": "Logged out"}


@cbv(router)
class Refresh(RefreshView):
    @router.post("/refresh")
    async def refresh(self, response: Response) -> dict[str, str]:
        assert self.auth.identity is not None  # a RefreshView always has a token
        self.auth.set_access_cookies(response, self.auth.create_access_token(self.auth.identity))
        return {"detail": "Refreshed"}


app.include_router(router)
