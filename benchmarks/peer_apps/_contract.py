"""The contract every benchmark app serves, whatever library it is written with.

``GET /open`` answers ``{"user": null}`` with no authentication; ``POST /login`` takes
``{"username": ..., "password": ...}``, answers 401 on a wrong password, else ``{"access_token": ...,
"refresh_token": ...}`` (HS256, identity in ``sub`` where the library lets the app choose, an expiry);
``GET /protected`` answers ``{"user": <identity>}`` for a valid access token in ``Authorization: Bearer``,
and 401 (or 422, as some libraries answer a malformed token) otherwise. Only the standard library and
pydantic (1 or 2) are used here, so every app's virtual environment can import it.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # >= 32 bytes for HS256
USERNAME = "alice"
PASSWORD = "alice-password"
USERS = {USERNAME: PASSWORD}
# long enough for a whole benchmark run: a token that expired mid-run would turn the rest into 401s
ACCESS_EXPIRES = timedelta(hours=6)
REFRESH_EXPIRES = timedelta(days=7)


class Credentials(BaseModel):
    username: str
    password: str


def password_ok(credentials: Credentials) -> bool:
    return USERS.get(credentials.username) == credentials.password
