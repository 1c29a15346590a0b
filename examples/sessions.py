"""Login sessions: refresh-token rotation with reuse detection, and "log out everywhere".

``POST /login`` starts a session (a token family). ``POST /refresh`` rotates: it returns a new refresh
token and revokes the one presented, so a stolen refresh token that is used after its owner refreshed (or
the owner's copy used after the thief refreshed) ends the whole login with 401 ``refresh_token_reused``.
``GET /sessions`` lists the caller's logins, ``DELETE /sessions/{family}`` ends one (a lost phone) and
``DELETE /sessions`` ends them all. Each user may hold ``AUTHJWT_SESSIONS_PER_IDENTITY`` (100) sessions,
ended ones included while their tokens could still live; a login beyond that gets 429, and only that user
is refused (see docs/sessions.md, "Bounded memory"). Ending a session twice answers the same both times.

The sessions live in the same store as revoked tokens: in memory here, in Redis with
``AUTHJWT_REDIS_URL`` (see ``examples/redis_app.py`` and docs/deployment.md).

Run it::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.sessions:app
"""

from datetime import datetime, timezone

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, LoginSession, ProtectedView, RefreshView, cbv

app = FastAPI(title="fastapi-jwt-views: sessions")
config = AuthViewsConfig.from_env().replace(blacklist_enabled=True, refresh_token_rotation=True)
authviews = AuthViews(config).install(app)
router = APIRouter()

USERS = {"test": "test"}


class Credentials(BaseModel):
    username: str
    password: str


def _when(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


def _describe(session: LoginSession, current: str | None) -> dict[str, object]:
    return {
        "id": session.family,
        "device": session.user_agent,
        "created": _when(session.created_at),
        "last_refreshed": _when(session.refreshed_at),
        "expires": _when(session.expires_at),
        "current": session.family == current,
    }


@router.post("/login")
async def login(credentials: Credentials, request: Request) -> dict[str, str]:
    if USERS.get(credentials.username) != credentials.password:
        raise HTTPException(status_code=401, detail="Bad username or password")
    pair = await authviews.sessions.login(credentials.username, user_agent=request.headers.get("user-agent"))
    return pair._asdict()


@cbv(router)
class Tokens(RefreshView):
    @router.post("/refresh")
    async def refresh(self) -> dict[str, str]:
        return (await self.auth.refresh())._asdict()


@cbv(router)
class Sessions(ProtectedView):
    @router.get("/sessions")
    async def list_sessions(self) -> list[dict[str, object]]:
        return [_describe(session, self.auth.family) for session in await self.auth.sessions()]

    @router.delete("/sessions/{session_id}")
    async def end_session(self, session_id: str) -> dict[str, str]:
        if not await self.auth.revoke_session(session_id):
            raise HTTPException(status_code=404, detail="No such session")
        return {"detail": "Session ended"}

    @router.delete("/sessions")
    async def end_all_sessions(self) -> dict[str, object]:
        ended = await self.auth.revoke_all_sessions()
        return {"detail": "Logged out everywhere", "sessions": ended}

    @router.get("/user")
    async def user(self) -> dict[str, object]:
        return {"user": self.auth.identity}


app.include_router(router)
