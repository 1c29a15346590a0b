"""``app_ours.py`` with its ``/protected`` route not authenticating at all: the ceiling of ours.

Everything else is the same (the installed ``AuthViews``, the open route on the app itself, the login route
first on the included router), and ``/protected`` is an ``async def`` function route in the view's place,
answering the same body without reading any token. Its protected/open ratio is therefore the best any
authentication could reach in this layout: what FastAPI costs to route a request to an included router.
Only ``http_bench.py`` serves it, as a reference; it is not a contract app (it refuses nothing).
"""

from _contract import ACCESS_EXPIRES, REFRESH_EXPIRES, SECRET, Credentials, password_ok
from fastapi import APIRouter, FastAPI, HTTPException

from fastapi_jwt_views import AuthViews, AuthViewsConfig

app = FastAPI()
config = AuthViewsConfig(
    secret_key=SECRET,
    blacklist_enabled=True,
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


@router.get("/protected")
async def protected() -> dict[str, object]:
    return {"user": "alice"}  # what ours answers for the benchmark's token, without looking at it


app.include_router(router)
