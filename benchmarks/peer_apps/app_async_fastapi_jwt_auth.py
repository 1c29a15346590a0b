"""The contract with async-fastapi-jwt-auth (the async fork of fastapi-jwt-auth): ``AuthJWT = Depends()``
and ``await Authorize.jwt_required()`` in the route, its exception handler answering 401/422."""

from _contract import ACCESS_EXPIRES, REFRESH_EXPIRES, SECRET, Credentials, password_ok
from async_fastapi_jwt_auth import AuthJWT
from async_fastapi_jwt_auth.exceptions import AuthJWTException
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()


class Settings(BaseModel):
    authjwt_secret_key: str = SECRET
    authjwt_algorithm: str = "HS256"
    authjwt_access_token_expires: int = int(ACCESS_EXPIRES.total_seconds())
    authjwt_refresh_token_expires: int = int(REFRESH_EXPIRES.total_seconds())


@AuthJWT.load_config
def get_config() -> Settings:
    return Settings()


@app.exception_handler(AuthJWTException)
def authjwt_exception_handler(request: Request, exc: AuthJWTException) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


@app.get("/open")
async def open_route() -> dict[str, None]:
    return {"user": None}


@app.post("/login")
async def login(credentials: Credentials, Authorize: AuthJWT = Depends()) -> dict[str, str]:
    if not password_ok(credentials):
        raise HTTPException(status_code=401, detail="Bad username or password")
    return {"access_token": await Authorize.create_access_token(subject=credentials.username),
            "refresh_token": await Authorize.create_refresh_token(subject=credentials.username)}


@app.get("/protected")
async def protected(Authorize: AuthJWT = Depends()) -> dict[str, object]:
    await Authorize.jwt_required()
    return {"user": await Authorize.get_jwt_subject()}
