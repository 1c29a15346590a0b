"""Publishing the public keys: an RS256 issuer serves ``/.well-known/jwks.json`` so that other services
verify its tokens without being handed a key.

Run it::

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private.pem
    openssl pkey -in private.pem -pubout -out public.pem
    export AUTHJWT_ALGORITHM=RS256
    export AUTHJWT_PRIVATE_KEY="$(cat private.pem)" AUTHJWT_PUBLIC_KEY="$(cat public.pem)"
    uvicorn examples.jwks:app

    curl -s localhost:8000/.well-known/jwks.json

Another service then verifies with ``AUTHJWT_JWKS_URL=https://<this host>/.well-known/jwks.json`` (see
``examples/identity_provider.py``), or with PyJWT's ``PyJWKClient``. Only public keys are published.
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv, jwks_router

app = FastAPI(title="fastapi-jwt-views: JWKS")
authviews = AuthViews(AuthViewsConfig.from_env()).install(app)
app.include_router(jwks_router(max_age=300))  # Cache-Control: public, max-age=300, and an ETag
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
        return {"user": self.auth.identity}


app.include_router(router)
