"""Refresh tokens: a short-lived access token is renewed with a long-lived refresh token, which rotates.

``POST /login`` returns a token pair; ``POST /refresh`` lives in a :class:`RefreshView`, so it accepts only
a refresh token, and returns a new pair. With ``refresh_token_rotation`` (on here) a refresh token is good
for exactly one refresh, whatever the route does: verifying it for a refresh consumes it. A refresh token
presented a second time was copied, so every token of its login is revoked (401 "Refresh token reuse
detected"). The new access token is not fresh: it proves the user logged in at some point, not that they
typed their password just now (see ``examples/freshness.py``).

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.refresh:app

    curl -s -X POST localhost:8000/refresh -H "Authorization: Bearer <refresh_token>"
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, RefreshView, cbv

app = FastAPI(title="fastapi-jwt-views: refresh")
config = AuthViewsConfig.from_env().replace(blacklist_enabled=True, refresh_token_rotation=True)
authviews = AuthViews(config).install(app)
router = APIRouter()

USERS = {"test": "test"}


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    pair = authviews.create_token_pair(credentials.username, fresh=True)  # with rotation: a new family
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


@cbv(router)
class Refresh(RefreshView):
    @router.post("/refresh")
    async def refresh(self) -> dict[str, str]:
        pair = await self.auth.refresh()  # a non-fresh access token and the next refresh token
        return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "fresh": self.auth.fresh}


app.include_router(router)
