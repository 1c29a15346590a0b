"""Revocation shared by several worker processes (or hosts): the Redis store.

With the default in-memory store, a token revoked in one worker is still accepted by the others. Here
every worker keeps its revocations in one Redis (6.2 or newer), so ``POST /logout`` in one worker is
refused by all of them:

* ``POST /login`` returns an access token and a refresh token;
* ``GET /user`` needs the access token, and says which worker process answered (``"worker"``);
* ``POST /logout`` revokes the access token it was called with, in Redis, until it would have expired;
* every response carries an ``X-Worker`` header (the process id), so even a refusal shows who refused.

If Redis cannot be reached, protected routes answer 503 "Token revocation store is unavailable" (set
``AUTHJWT_REVOCATION_FAIL_OPEN=true`` to accept tokens instead), and recover by themselves when Redis is
back. The store's connections are closed when the app shuts down. See docs/deployment.md.

Each worker answers the checks of tokens Redis said were not revoked from memory, kept current by a Redis
subscription (``AUTHJWT_REDIS_CACHE=pubsub``, the default): a logout is refused by every worker within
50 ms. ``AUTHJWT_REDIS_CACHE=off`` asks Redis on every request instead (docs/revocation.md).

Run it (``pip install "fastapi-jwt-views[redis,examples]"``)::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    AUTHJWT_REDIS_URL=redis://127.0.0.1:6379/0 uvicorn examples.redis_app:app --workers 2 --loop uvloop
"""

import os
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv
from fastapi_jwt_views.revocation.redis import RedisRevocationStore

config = AuthViewsConfig.from_env().replace(blacklist_enabled=True)
store = RedisRevocationStore.from_config(config)  # needs AUTHJWT_REDIS_URL: no silent per-process fallback

app = FastAPI(title="fastapi-jwt-views: Redis revocation")
authviews = AuthViews(config, store=store).install(app)  # the app's shutdown closes the store
router = APIRouter()

USERS = {"test": "test"}


@app.middleware("http")
async def tell_worker(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    response.headers["X-Worker"] = str(os.getpid())
    return response


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/login")
async def login(credentials: Credentials) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    pair = authviews.create_token_pair(credentials.username, fresh=True)
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


@cbv(router)
class Account(ProtectedView):
    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity, "worker": os.getpid()}

    @router.post("/logout")
    async def logout(self) -> dict[str, object]:
        await self.auth.revoke()  # one key in Redis, expiring when the token would have
        return {"detail": "Access token revoked", "worker": os.getpid()}


app.include_router(router)
