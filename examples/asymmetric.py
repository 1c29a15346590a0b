"""Asymmetric signing (RS256): one service signs with a private key, any number verify with the public key.

The keys are PEM texts in ``AUTHJWT_PRIVATE_KEY`` and ``AUTHJWT_PUBLIC_KEY`` (a literal ``\\n`` in them is
read as a newline, as ``.env`` files often write it). ``AUTHJWT_ALGORITHM=RS256`` selects the algorithm; the
verifier accepts only RS256 tokens, so an HS256 token "signed" with the public key is refused.

Run the issuer::

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private.pem
    openssl pkey -in private.pem -pubout -out public.pem
    export AUTHJWT_ALGORITHM=RS256
    export AUTHJWT_PRIVATE_KEY="$(cat private.pem)" AUTHJWT_PUBLIC_KEY="$(cat public.pem)"
    uvicorn examples.asymmetric:app

A verify-only service is the same app started without the private key: it cannot issue tokens, so this
example leaves ``POST /login`` out, and it accepts the tokens the issuer signed::

    AUTHJWT_ALGORITHM=RS256 AUTHJWT_PUBLIC_KEY="$(cat public.pem)" uvicorn examples.asymmetric:app --port 8001
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv

config = AuthViewsConfig.from_env()
app = FastAPI(title="fastapi-jwt-views: asymmetric")
authviews = AuthViews(config).install(app)
router = APIRouter()

USERS = {"test": "test"}


class Credentials(BaseModel):
    username: str
    password: str


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "alg": self.auth.header["alg"]}


if config.private_key is not None:  # only the issuer can sign

    @router.post("/login")
    async def login(credentials: Credentials) -> dict[str, str]:
        if USERS.get(credentials.username) != credentials.password:
            raise HTTPException(status_code=401, detail="Bad username or password")
        pair = authviews.create_token_pair(credentials.username, fresh=True)
        return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


app.include_router(router)
