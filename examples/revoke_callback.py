"""A revocation callback of your own: every token of a suspended user is refused.

``AuthViews(..., is_revoked=...)`` takes a function (sync or ``async``) that receives the verified claims
of each token and returns True to refuse it. Here it looks the token's user up in ``SUSPENDED``, a set the
application maintains; in a real app it would query your database or cache. Unlike revoking single tokens,
this refuses tokens nobody has seen, and lifting the suspension makes them valid again.

* ``PUT /suspended/{username}`` and ``DELETE /suspended/{username}``: the admin suspends or reinstates a user;
* any token of a suspended user then gets 401 "Token has been revoked", on every view.

The callback needs revocation to be enabled (here in code; ``AUTHJWT_BLACKLIST_ENABLED=true`` does the same).
Tokens are still checked against the built-in store too, so ``self.auth.revoke()`` keeps working.

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.revoke_callback:app
"""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, RefreshView, cbv

USERS = {"admin": "admin", "alice": "alice"}
SUSPENDED: set[str] = set()  # user names whose tokens are all refused


async def is_suspended(claims: Mapping[str, Any]) -> bool:
    return claims["sub"] in SUSPENDED


app = FastAPI(title="fastapi-jwt-views: revocation callback")
authviews = AuthViews(
    AuthViewsConfig.from_env().replace(blacklist_enabled=True), is_revoked=is_suspended
).install(app)
router = APIRouter()


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    pair = authviews.create_token_pair(credentials.username, fresh=True)
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity}


@cbv(router)
class Refresh(RefreshView):
    @router.post("/refresh")
    async def refresh(self) -> dict[str, str]:
        assert self.auth.identity is not None
        return {"access_token": self.auth.create_access_token(self.auth.identity)}


@cbv(router)
class Suspensions(ProtectedView):
    def require_admin(self) -> None:
        if self.auth.identity != "admin":
            raise HTTPException(status_code=403, detail="Admins only")

    @router.put("/suspended/{username}")
    async def suspend(self, username: str) -> dict[str, str]:
        self.require_admin()
        SUSPENDED.add(username)
        return {"detail": f"{username} suspended"}

    @router.delete("/suspended/{username}")
    async def reinstate(self, username: str) -> dict[str, str]:
        self.require_admin()
        SUSPENDED.discard(username)
        return {"detail": f"{username} reinstated"}


app.include_router(router)
