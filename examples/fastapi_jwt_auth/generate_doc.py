"""A hand-written OpenAPI schema: an ``Authorization`` header field on the routes marked ``authorize``."""

import inspect
import re

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
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
    return {"access_token": Authorize.create_access_token(subject=user.username)}


@app.get("/protected", operation_id="authorize")
def protected(Authorize: AuthJWT = Depends()):
    Authorize.jwt_required()
    return {"user": Authorize.get_jwt_subject()}


def custom_openapi():
    if app.openapi_schema:
        return app.openapi_schema
    openapi_schema = get_openapi(title="My Auth API", version="1.0", routes=app.routes)
    authorization = {
        "name": "Authorization",
        "in": "header",
        "required": True,
        "schema": {"title": "Authorization", "type": "string"},
    }
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.operation_id != "authorize":
            continue
        path = route.path
        endpoint = route.endpoint
        if re.search("jwt_required", inspect.getsource(endpoint)):
            for method in route.methods:
                operation = openapi_schema["paths"][path][method.lower()]
                operation.setdefault("parameters", []).append(authorization)
    app.openapi_schema = openapi_schema
    return app.openapi_schema


app.openapi = custom_openapi
