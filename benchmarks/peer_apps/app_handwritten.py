"""The contract written by hand with PyJWT, as one would without an auth library: an ``async``
dependency on ``@app.get``, tokens with only ``sub``, ``exp`` and ``type``."""

from datetime import datetime, timezone
from typing import Any

import jwt
from _contract import ACCESS_EXPIRES, REFRESH_EXPIRES, SECRET, Credentials, password_ok
from fastapi import Depends, FastAPI, HTTPException, Request

app = FastAPI()


def issue(identity: str, token_type: str) -> str:
    expires = ACCESS_EXPIRES if token_type == "access" else REFRESH_EXPIRES
    claims = {"sub": identity, "type": token_type, "exp": datetime.now(timezone.utc) + expires}
    return jwt.encode(claims, SECRET, algorithm="HS256")


async def access_claims(request: Request) -> dict[str, Any]:
    header = request.headers.get("authorization")
    if not header:
        raise HTTPException(status_code=401, detail="Missing Authorization Header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status_code=401, detail="Bad Authorization header")
    try:
        claims: dict[str, Any] = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError as exc:
        raise HTTPException(status_code=401, detail=str(exc)) from exc
    if claims.get("type") != "access":
        raise HTTPException(status_code=401, detail="Not an access token")
    return claims


@app.get("/open")
async def open_route() -> dict[str, None]:
    return {"user": None}


@app.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if not password_ok(credentials):
        raise HTTPException(status_code=401, detail="Bad username or password")
    return {"access_token": issue(credentials.username, "access"),
            "refresh_token": issue(credentials.username, "refresh")}


@app.get("/protected")
async def protected(claims: dict[str, Any] = Depends(access_claims)) -> dict[str, object]:
    return {"user": claims["sub"]}
