"""Basic usage: a login route that issues a token pair, and a view that needs an access token.

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.basic:app

    curl -s -X POST localhost:8000/login -H 'Content-Type: application/json' \\
         -d '{"username": "test", "password": "test"}'
    curl -s localhost:8000/user -H "Authorization: Bearer <access_token>"

The configuration is read from the ``AUTHJWT_*`` environment variables when the module is imported, so a
missing or too short secret stops the app at start-up rather than on the first request.
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv

app = FastAPI(title="fastapi-jwt-views: basic")
authviews = AuthViews(AuthViewsConfig.from_env()).install(app)
router = APIRouter()

USERS = {"test": "test"}  # a stand-in for your user database (store password hashes in a real one)


class Credentials(BaseModel):
    username: str
    password: str


class Tokens(BaseModel):
    access_token: str
    refresh_token: str


@router.post("/login")
async def login(credentials: Credentials) -> Tokens:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    pair = authviews.create_token_pair(credentials.username, fresh=True)
    return Tokens(access_token=pair.access_token, refresh_token=pair.refresh_token)


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity}


app.include_router(router)
