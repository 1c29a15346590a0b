"""WebSocket routes protected like HTTP ones, and closed when their token stops being valid.

* ``POST /login`` returns a token pair, as in ``examples/basic.py``;
* ``/chat`` (a :class:`ProtectedView`) takes the access token from the query string (``/chat?token=...``),
  which is what a browser's ``new WebSocket(url)`` can send, or from an ``Authorization`` header (other
  clients). It greets the user and echoes every message with the sender's name;
* ``/chat/first-message`` takes the token from the first message the client sends instead: the bare token,
  or JSON ``{"token": "..."}``. The token then stays out of URLs, and so out of access logs. The library
  accepts the connection to read that message, so this handler does not call ``websocket.accept()``;
* ``DELETE /logout`` revokes the access token it was called with.

A refusal closes the socket with code 1008 and the reason the HTTP routes give as ``detail``. Every
``self.auth.receive_*``/``send_*`` checks the token again, so a socket whose token expires or is revoked
(a logout from another tab) is closed with 1008 at its next message.

Run it (uvicorn needs a WebSocket library: ``pip install "uvicorn[standard]"``)::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.websocket:app

and in a browser console::

    const ws = new WebSocket(`ws://localhost:8000/chat?token=${accessToken}`);
    ws.onmessage = (event) => console.log(event.data);
    ws.onclose = (event) => console.log("closed", event.code, event.reason);
"""

import contextlib

from fastapi import APIRouter, FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv

app = FastAPI(title="fastapi-jwt-views: websocket")
authviews = AuthViews(AuthViewsConfig.from_env().replace(blacklist_enabled=True)).install(app)
router = APIRouter()

USERS = {"test": "test", "other": "other"}


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
class Chat(ProtectedView):
    @router.websocket("/chat")
    async def chat(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await self.auth.send_text(f"Welcome, {self.auth.identity}")
        with contextlib.suppress(WebSocketDisconnect):  # the client leaving ends the loop
            while True:
                text = await self.auth.receive_text()  # checks the token, then waits for a message
                await self.auth.send_text(f"{self.auth.identity}: {text}")

    @router.delete("/logout")
    async def logout(self) -> dict[str, str]:
        await self.auth.revoke()
        return {"detail": "Access token revoked"}


@cbv(router)
class FirstMessageChat(ProtectedView, locations=["message"]):
    @router.websocket("/chat/first-message")
    async def chat(self, websocket: WebSocket) -> None:
        # Already accepted: the library read the token from the first message.
        await self.auth.send_text(f"Welcome, {self.auth.identity}")
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                text = await self.auth.receive_text()
                await self.auth.send_text(f"{self.auth.identity}: {text}")


app.include_router(router)
