"""``app_ours.py`` with its ``/protected`` route not authenticating at all: the ceiling of ours.

Everything else is ``app_ours.py``'s own (its configuration, an ``AuthViews`` installed, its open route on
the app itself, its login route first on the included router); ``/protected`` is an ``async def`` function
route in the view's place, answering the same body without reading any token. Its protected/open ratio is
therefore the best any authentication could reach in this layout: what FastAPI costs to route a request
to an included router. Only ``http_bench.py`` serves it, as a reference; it is not a contract app (it
refuses nothing).
"""

import app_ours
from fastapi import APIRouter, FastAPI

from fastapi_jwt_views import AuthViews

app = FastAPI()
AuthViews(app_ours.config).install(app)
app.get("/open")(app_ours.open_route)
router = APIRouter()
router.post("/login")(app_ours.login)


@router.get("/protected")
async def protected() -> dict[str, object]:
    return {"user": "alice"}  # what ours answers for the benchmark's token, without looking at it


app.include_router(router)
