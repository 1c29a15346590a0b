"""Authorization: scopes, typed claims, a user loader and time-limited freshness, each in the class line.

* ``POST /login`` checks the password and returns a token pair: the access token is fresh for five
  minutes, carries the user's scopes and typed custom claims (``org``, ``role``);
* ``GET /me`` (``ProtectedView[AccountClaims]``) reads the typed claims and the user, loaded once per
  request by the user loader (a deleted user's token gets 401 "User not found");
* ``GET /users`` needs the ``users:read`` scope (declared on the class), ``DELETE /users/{name}`` also
  ``users:delete`` (declared on the route); a token without them gets 403 ``insufficient_scope``;
* ``POST /password`` is a ``FreshView``: five minutes after the login, it refuses the token;
* ``POST /refresh`` returns a new (not fresh) access token with the same scopes and claims.

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.authorization:app
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    FreshView,
    ProtectedView,
    RefreshView,
    require_scopes,
)


class User(BaseModel):
    name: str
    password: str
    org: str
    role: Literal["admin", "member"]


USERS = {
    "alice": User(name="alice", password="alice-pw", org="acme", role="admin"),
    "bob": User(name="bob", password="bob-pw", org="acme", role="member"),
}
SCOPES = {"admin": ["users:read", "users:delete"], "member": ["users:read"]}


class AccountClaims(BaseModel):
    """The custom claims of our access tokens, validated on every request of the views that name it."""

    model_config = ConfigDict(frozen=True)
    org: str
    role: Literal["admin", "member"]


async def load_user(identity: Any, claims: Mapping[str, Any]) -> User | None:
    """The user loader: a database query in a real application; None when the user is gone."""
    return USERS.get(identity)


app = FastAPI(title="fastapi-jwt-views: authorization")
authviews = AuthViews(AuthViewsConfig.from_env(), user_loader=load_user).install(app)
router = APIRouter()


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    user = USERS.get(credentials.username)
    if user is None or user.password != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    pair = authviews.create_token_pair(
        user.name,
        fresh=timedelta(minutes=5),
        claims=AccountClaims(org=user.org, role=user.role),
        scopes=SCOPES[user.role],
    )
    return pair._asdict()


class Tokens(RefreshView):
    @router.post("/refresh")
    async def refresh(self) -> dict[str, str]:
        return {"access_token": (await self.auth.refresh()).access_token}


class Account(ProtectedView[AccountClaims]):
    @router.get("/me")
    async def me(self) -> dict[str, Any]:
        user: User = await self.auth.user()
        claims = self.auth.typed_claims  # an AccountClaims, for mypy too
        return {
            "name": user.name,
            "org": claims.org,
            "role": claims.role,
            "scopes": sorted(self.auth.scopes),
            "fresh": self.auth.fresh,
        }


class Users(ProtectedView, scopes=["users:read"]):
    @router.get("/users")
    async def list_users(self) -> list[str]:
        return sorted(USERS)

    @router.delete("/users/{name}", dependencies=[Depends(require_scopes("users:delete"))])
    async def delete_user(self, name: str) -> dict[str, str]:
        if USERS.pop(name, None) is None:
            raise HTTPException(status_code=404, detail="No such user")
        return {"detail": f"{name} deleted"}


class Password(FreshView):
    @router.post("/password")
    async def change_password(self, body: Credentials) -> dict[str, str]:
        user: User = await self.auth.user()
        if body.username != user.name:
            raise HTTPException(status_code=403, detail="Not your account")
        user.password = body.password
        return {"detail": "Password changed"}


app.include_router(router)
