"""async-fastapi-jwt-auth's API: every method awaited, ``AuthJWTBearer`` for a bearer field in Swagger UI.

Written the fork's way; only the import lines changed (``async_fastapi_jwt_auth`` became
``fastapi_jwt_views.asyncio``). The denylist callback is ``async def`` and is awaited.
"""

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from fastapi_jwt_views.asyncio import AuthJWT
from fastapi_jwt_views.asyncio.auth_jwt import AuthJWTBearer
from fastapi_jwt_views.asyncio.exceptions import AuthJWTException

app = FastAPI()
auth_dep = AuthJWTBearer()


class User(BaseModel):
    username: str
    password: str


class Settings(BaseSettings):
    authjwt_secret_key: str
    authjwt_denylist_enabled: bool = True
    authjwt_denylist_token_checks: set = {"access", "refresh"}


@AuthJWT.load_config
def get_config():
    return Settings()


@app.exception_handler(AuthJWTException)
def authjwt_exception_handler(request: Request, exc: AuthJWTException):
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


denylist = set()


@AuthJWT.token_in_denylist_loader
async def check_if_token_in_denylist(decrypted_token):
    return decrypted_token["jti"] in denylist


@app.post("/login")
async def login(user: User, authorize: AuthJWT = Depends(auth_dep)):
    if user.username != "test" or user.password != "test":
        raise HTTPException(status_code=401, detail="Bad username or password")
    access_token = await authorize.create_access_token(subject=user.username)
    refresh_token = await authorize.create_refresh_token(subject=user.username)
    return {"access_token": access_token, "refresh_token": refresh_token}


@app.post("/refresh")
async def refresh(authorize: AuthJWT = Depends(auth_dep)):
    await authorize.jwt_refresh_token_required()
    current_user = await authorize.get_jwt_subject()
    new_access_token = await authorize.create_access_token(subject=current_user)
    return {"access_token": new_access_token}


@app.delete("/access-revoke")
async def access_revoke(authorize: AuthJWT = Depends(auth_dep)):
    await authorize.jwt_required()
    jti = (await authorize.get_raw_jwt())["jti"]
    denylist.add(jti)
    return {"detail": "Access token has been revoke"}


@app.get("/user")
async def user(authorize: AuthJWT = Depends(auth_dep)):
    await authorize.jwt_required()
    current_user = await authorize.get_jwt_subject()
    return {"user": current_user}
