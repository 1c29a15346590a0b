"""Additional claims: put your own data in a token with ``user_claims`` and read it back."""

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from fastapi_jwt_views import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException

app = FastAPI()


class User(BaseModel):
    username: str
    password: str


class Settings(BaseSettings):
    authjwt_secret_key: str


@AuthJWT.load_config
def get_config():
    return Settings()


@app.exception_handler(AuthJWTException)
def authjwt_exception_handler(request: Request, exc: AuthJWTException):
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


@app.post("/login")
def login(user: User, Authorize: AuthJWT = Depends()):
    if user.username != "test" or user.password != "test":
        raise HTTPException(status_code=401, detail="Bad username or password")
    another_claims = {"foo": ["tiger", "bar"]}
    access_token = Authorize.create_access_token(subject=user.username, user_claims=another_claims)
    return {"access_token": access_token}


@app.get("/claims")
def user(Authorize: AuthJWT = Depends()):
    Authorize.jwt_required()
    foo_claims = Authorize.get_raw_jwt()["foo"]
    return {"foo": foo_claims}
