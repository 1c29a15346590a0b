"""The contract with fastapi-jwt (authlib backend): ``Security(JwtAccessBearer(...))`` on the route. Its
tokens carry the identity in a ``subject`` object claim (``{"username": ...}``), not in ``sub``."""

from _contract import ACCESS_EXPIRES, REFRESH_EXPIRES, SECRET, Credentials, password_ok
from fastapi import FastAPI, HTTPException, Security
from fastapi_jwt import JwtAccessBearer, JwtAuthorizationCredentials, JwtRefreshBearer

app = FastAPI()
access_security = JwtAccessBearer(secret_key=SECRET, algorithm="HS256", auto_error=True,
                                  access_expires_delta=ACCESS_EXPIRES, refresh_expires_delta=REFRESH_EXPIRES)
refresh_security = JwtRefreshBearer.from_other(access_security)


@app.get("/open")
async def open_route() -> dict[str, None]:
    return {"user": None}


@app.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if not password_ok(credentials):
        raise HTTPException(status_code=401, detail="Bad username or password")
    subject = {"username": credentials.username}
    return {"access_token": access_security.create_access_token(subject=subject),
            "refresh_token": refresh_security.create_refresh_token(subject=subject)}


@app.get("/protected")
async def protected(
    credentials: JwtAuthorizationCredentials = Security(access_security),
) -> dict[str, object]:
    return {"user": credentials["username"]}
