"""A fastapi-jwt-auth 0.5.0 application, unchanged except for two imports.

It is written the way fastapi-jwt-auth's documentation teaches (``load_config`` with a settings class, an
exception handler for ``AuthJWTException``, guards called inside the handlers, a denylist callback). Only
these lines changed::

    from fastapi_jwt_auth import AuthJWT                       ->  from fastapi_jwt_views import AuthJWT
    from fastapi_jwt_auth.exceptions import AuthJWTException  ->  from fastapi_jwt_views.exceptions import ...

See docs/migrating.md for what behaves differently (fixed defects; a short secret is accepted with a warning).

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.fastapi_jwt_auth_app:app
"""

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


# The secret comes from the AUTHJWT_SECRET_KEY environment variable (pydantic settings management).
class Settings(BaseSettings):
    authjwt_secret_key: str
    authjwt_denylist_enabled: bool = True
    authjwt_denylist_token_checks: set = {"access", "refresh"}


@AuthJWT.load_config
def get_config():
    return Settings()


# A real application keeps this in Redis or a database; the callback may also be ``async def``.
denylist = set()


@AuthJWT.token_in_denylist_loader
def check_if_token_in_denylist(decrypted_token):
    jti = decrypted_token["jti"]
    return jti in denylist


@app.exception_handler(AuthJWTException)
def authjwt_exception_handler(request: Request, exc: AuthJWTException):
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


@app.post("/login")
def login(user: User, Authorize: AuthJWT = Depends()):
    if user.username != "test" or user.password != "test":
        raise HTTPException(status_code=401, detail="Bad username or password")

    # A password was just checked: the access token is fresh.
    access_token = Authorize.create_access_token(subject=user.username, fresh=True)
    refresh_token = Authorize.create_refresh_token(subject=user.username)
    return {"access_token": access_token, "refresh_token": refresh_token}


@app.post("/refresh")
def refresh(Authorize: AuthJWT = Depends()):
    Authorize.jwt_refresh_token_required()

    current_user = Authorize.get_jwt_subject()
    new_access_token = Authorize.create_access_token(subject=current_user, fresh=False)
    return {"access_token": new_access_token}


@app.get("/protected")
def protected(Authorize: AuthJWT = Depends()):
    Authorize.jwt_required()

    current_user = Authorize.get_jwt_subject()
    return {"user": current_user}


@app.get("/partially-protected")
def partially_protected(Authorize: AuthJWT = Depends()):
    Authorize.jwt_optional()

    current_user = Authorize.get_jwt_subject() or "anonymous"
    return {"user": current_user}


@app.post("/change-password")
async def change_password(Authorize: AuthJWT = Depends()):
    Authorize.fresh_jwt_required()

    current_user = Authorize.get_jwt_subject()
    return {"detail": f"Password of {current_user} changed"}


@app.delete("/access-revoke")
def access_revoke(Authorize: AuthJWT = Depends()):
    Authorize.jwt_required()

    jti = Authorize.get_raw_jwt()["jti"]
    denylist.add(jti)
    return {"detail": "Access token has been revoke"}


@app.delete("/refresh-revoke")
def refresh_revoke(Authorize: AuthJWT = Depends()):
    Authorize.jwt_refresh_token_required()

    jti = Authorize.get_raw_jwt()["jti"]
    denylist.add(jti)
    return {"detail": "Refresh token has been revoke"}
