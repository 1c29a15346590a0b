"""Configuration from a pydantic-settings class that reads a ``.env`` file.

The application's own settings class holds the ``authjwt_*`` fields next to its other settings;
``AuthViewsConfig.from_settings`` picks out the ``authjwt_*`` fields (unwrapping ``SecretStr``) and
validates them. pydantic-settings reads the fields from the environment first, then from the ``.env``
file, whose path is taken from ``EXAMPLE_ENV_FILE`` (default ``.env``). A ``.env`` file could hold::

    AUTHJWT_SECRET_KEY=<at least 32 random bytes, e.g. 64 hex digits>
    AUTHJWT_ACCESS_TOKEN_EXPIRES=300
    AUTHJWT_ENCODE_ISSUER=https://auth.example.com
    AUTHJWT_DECODE_ISSUER=https://auth.example.com

Run it::

    uvicorn examples.settings:app          # or: EXAMPLE_ENV_FILE=prod.env uvicorn examples.settings:app
"""

import os

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=os.environ.get("EXAMPLE_ENV_FILE", ".env"), extra="ignore")

    app_name: str = "fastapi-jwt-views: settings"  # not an authjwt_* field: from_settings ignores it
    authjwt_secret_key: SecretStr
    authjwt_access_token_expires: int = 900  # seconds
    authjwt_encode_issuer: str | None = None
    authjwt_decode_issuer: str | None = None


settings = Settings()  # type: ignore[call-arg]  # mypy cannot see that the fields come from the env
app = FastAPI(title=settings.app_name)
authviews = AuthViews(AuthViewsConfig.from_settings(settings)).install(app)
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
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "issuer": self.auth.claims.get("iss")}


app.include_router(router)
