"""Fresh tokens: sensitive routes need an access token that came from a password check just now.

* ``POST /login`` returns a *fresh* token pair;
* ``POST /refresh`` (a :class:`RefreshView`) returns a *non-fresh* access token;
* ``POST /fresh-login`` checks the password again and returns a fresh access token only;
* ``POST /change-password`` is a :class:`FreshView`: a non-fresh token gets 401 "Fresh token required";
* ``GET /user`` is a :class:`ProtectedView`: any valid access token will do.

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.freshness:app
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, FreshView, ProtectedView, RefreshView, cbv

app = FastAPI(title="fastapi-jwt-views: freshness")
authviews = AuthViews(AuthViewsConfig.from_env()).install(app)
router = APIRouter()

USERS = {"test": "test"}


class Credentials(BaseModel):
    username: str
    password: str


class NewPassword(BaseModel):
    password: str


def check_password(credentials: Credentials) -> str:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    return credentials.username


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    pair = authviews.create_token_pair(check_password(credentials), fresh=True)
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


@router.post("/fresh-login")
async def fresh_login(credentials: Credentials) -> dict[str, str]:
    return {"access_token": authviews.create_access_token(check_password(credentials), fresh=True)}


@cbv(router)
class Refresh(RefreshView):
    @router.post("/refresh")
    async def refresh(self) -> dict[str, str]:
        assert self.auth.identity is not None
        return {"access_token": self.auth.create_access_token(self.auth.identity, fresh=False)}


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "fresh": self.auth.fresh}


@cbv(router)
class Password(FreshView):
    @router.post("/change-password")
    async def change_password(self, body: NewPassword) -> dict[str, str]:
        USERS[str(self.auth.identity)] = body.password
        return {"detail": "Password changed"}


app.include_router(router)
