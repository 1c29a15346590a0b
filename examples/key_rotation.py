"""Key rotation: move from a short HMAC secret to a strong key without logging anyone out.

Every token names its signing key in a ``kid`` header. The old key stays in ``AUTHJWT_VERIFY_KEYS`` as a
verification-only key until its ``retire_after``; ``"legacy": true`` also accepts the tokens issued
before key ids existed (by fastapi-jwt-auth, or an earlier version), which carry no ``kid``.

Before (a fastapi-jwt-auth style secret, accepted only with the opt-out)::

    AUTHJWT_SECRET_KEY=secret AUTHJWT_ALLOW_WEAK_SECRET=true uvicorn examples.key_rotation:app

After the rotation (tokens issued before keep working until 2026-12-31)::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    export AUTHJWT_VERIFY_KEYS='[{"secret": "secret", "legacy": true, "retire_after": "2026-12-31T00:00Z"}]'
    uvicorn examples.key_rotation:app

See docs/keys.md, "From a short secret to a strong key".
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv

app = FastAPI(title="fastapi-jwt-views: key rotation")
authviews = AuthViews(AuthViewsConfig.from_env()).install(app)
router = APIRouter()

USERS = {"test": "test"}  # a stand-in for your user database


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    return {"access_token": authviews.create_access_token(credentials.username)}


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "kid": self.auth.header.get("kid")}


app.include_router(router)
