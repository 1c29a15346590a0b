"""The contract with fastapi-jwt-views, as the README writes it: the login route and a ``ProtectedView`` on
an included ``APIRouter``, the in-memory revocation check on, the login issuing a token pair.

The open route is on the app itself, first, as in every other contract app: it is the framework's floor
that the other routes are divided by, so it must cost the same everywhere (a route on an included router
costs FastAPI a few microseconds more, which would flatter this app's ratios)."""

from _contract import ACCESS_EXPIRES, REFRESH_EXPIRES, SECRET, Credentials, password_ok
from fastapi import APIRouter, FastAPI, HTTPException

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv

app = FastAPI()
config = AuthViewsConfig(
    secret_key=SECRET,
    blacklist_enabled=True,  # every protected request asks the (memory) store whether its token is revoked
    access_token_expires=ACCESS_EXPIRES,
    refresh_token_expires=REFRESH_EXPIRES,
)
authviews = AuthViews(config).install(app)
router = APIRouter()


@app.get("/open")
async def open_route() -> dict[str, None]:
    return {"user": None}


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if not password_ok(credentials):
        raise HTTPException(status_code=401, detail="Bad username or password")
    access, refresh = authviews.create_token_pair(credentials.username)
    return {"access_token": access, "refresh_token": refresh}


@cbv(router)
class Account(ProtectedView):
    @router.get("/protected")
    async def protected(self) -> dict[str, object]:
        return {"user": self.auth.identity}


app.include_router(router)
