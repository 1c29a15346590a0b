"""The contract with authx: ``Depends(auth.access_token_required)`` on the route, tokens from
``create_access_token``/``create_refresh_token``; authx installs its own 401 handlers."""

from _contract import ACCESS_EXPIRES, REFRESH_EXPIRES, SECRET, Credentials, password_ok
from authx import AuthX, AuthXConfig, TokenPayload
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
auth = AuthX(AuthXConfig(
    JWT_SECRET_KEY=SECRET,
    JWT_ALGORITHM="HS256",
    JWT_TOKEN_LOCATION=["headers"],
    JWT_ACCESS_TOKEN_EXPIRES=ACCESS_EXPIRES,
    JWT_REFRESH_TOKEN_EXPIRES=REFRESH_EXPIRES,
))
auth.handle_errors(app)


@app.get("/open")
async def open_route() -> dict[str, None]:
    return {"user": None}


@app.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if not password_ok(credentials):
        raise HTTPException(status_code=401, detail="Bad username or password")
    return {"access_token": auth.create_access_token(uid=credentials.username),
            "refresh_token": auth.create_refresh_token(uid=credentials.username)}


@app.get("/protected")
async def protected(payload: TokenPayload = Depends(auth.access_token_required)) -> dict[str, object]:
    return {"user": payload.sub}
