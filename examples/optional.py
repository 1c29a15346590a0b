"""Optional authentication: the same route serves anonymous and logged-in callers.

``GET /`` is an :class:`OptionalView`: without a token ``self.auth.identity`` is None and the greeting is
anonymous; with a valid access token it is personal. A token that is present but bad (expired, forged, a
refresh token, a malformed header) is still refused with 401: it is never silently treated as anonymous.

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.optional:app

    curl -s localhost:8000/
    curl -s localhost:8000/ -H "Authorization: Bearer <access_token>"
"""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, OptionalView, cbv

app = FastAPI(title="fastapi-jwt-views: optional")
authviews = AuthViews(AuthViewsConfig.from_env()).install(app)
router = APIRouter()

USERS = {"test": "test"}


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    return {"access_token": authviews.create_access_token(credentials.username, fresh=True)}


@cbv(router)
class Home(OptionalView):
    @router.get("/")
    async def greet(self) -> dict[str, str]:
        if self.auth.identity is None:
            return {"message": "Hello, anonymous user"}
        return {"message": f"Hello, {self.auth.identity}"}


app.include_router(router)
