"""Revoking tokens (logout) with the built-in in-memory revocation store.

Revocation is checked only when it is enabled; this example enables it in code, on top of whatever the
``AUTHJWT_*`` variables say (the same as ``AUTHJWT_BLACKLIST_ENABLED=true``):

* ``DELETE /logout`` (a :class:`ProtectedView`) revokes the access token it was called with;
* ``DELETE /logout/refresh`` (a :class:`RefreshView`) revokes the refresh token it was called with. It is a
  sync ``def`` handler, where ``self.auth.revoke()`` blocks instead of being awaited;
* a revoked token then gets 401 "Token has been revoked" until it would have expired anyway.

The default store lives in this process's memory: with several workers, give ``AuthViews`` a shared
``store=`` (see docs/revocation.md).

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.revoking:app
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, RefreshView, cbv

app = FastAPI(title="fastapi-jwt-views: revoking")
authviews = AuthViews(AuthViewsConfig.from_env().replace(blacklist_enabled=True)).install(app)
router = APIRouter()

USERS = {"test": "test"}


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

    @router.delete("/logout")
    async def logout(self) -> dict[str, str]:
        await self.auth.revoke()
        return {"detail": "Access token revoked"}


@cbv(router)
class Refresh(RefreshView):
    @router.post("/refresh")
    async def refresh(self) -> dict[str, str]:
        assert self.auth.identity is not None
        return {"access_token": self.auth.create_access_token(self.auth.identity)}

    @router.delete("/logout/refresh")
    def logout(self) -> dict[str, str]:
        self.auth.revoke()  # a sync handler: this blocks until the token is revoked
        return {"detail": "Refresh token revoked"}


app.include_router(router)
