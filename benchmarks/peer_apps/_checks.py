"""Checks that an app serves the contract (``_contract.py``) for real, before any of it is measured.

A library measured on a route that does not authenticate would look fast for the wrong reason, so every
app must refuse: no token, a broken signature, a token signed with another key, an ``alg: none`` token, an
expired token (re-signed with the contract's secret), a refresh token in place of an access token, and a
wrong password; and must serve the identity for the token its own login issued. Standard library only:
this runs in every app's virtual environment and against servers over HTTP alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # the same as _contract.SECRET
USERNAME, PASSWORD = "alice", "alice-password"
LOGIN_BODY = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
JSON_HEADERS = {"content-type": "application/json"}
REFUSED = (401, 403, 422)  # what the libraries answer a missing or bad token with
SERVER_ERROR = 500  # a library that crashes on a bad token refuses it too, but says so wrongly: reported

# call(method, path, headers, body) -> (status, decoded JSON body or None)
Call = Callable[[str, str, dict[str, str], bytes], tuple[int, Any]]


class ContractError(RuntimeError):
    """An app does not serve the benchmark contract (a route answers what it must not)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(header: dict[str, Any], claims: dict[str, Any], key: str) -> str:
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def hostile_tokens(access: str, refresh: str) -> dict[str, str | None]:
    """Tokens the protected route must refuse, derived from a valid one of the app's own."""
    head, body, sig = access.split(".")
    header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
    flipped = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    return {
        "no token": None,
        "broken signature": f"{head}.{body}.{flipped}",
        "another key": sign(header, claims, "another-secret-0123456789-abcdefghijklmnopqrstuvwxyz"),
        "alg none": _b64(json.dumps({**header, "alg": "none"}).encode()) + "." + body + ".",
        "expired": sign(header, {**claims, "exp": 1_000_000_000}, SECRET),
        "refresh token": refresh,
    }


def auth_headers(token: str | None) -> dict[str, str]:
    return {} if token is None else {"authorization": f"Bearer {token}"}


def verify(name: str, call: Call) -> tuple[str, list[str]]:
    """Check every route of the contract; the app's access token and a line per refusal (its status).

    A hostile token must be refused: 401, 403 or 422, or 500 (refused, but as a crash: reported, since a
    library measured on it would not be measured on a route that lets the token in). A 2xx is never taken,
    but for a refresh token in place of an access token: that is reported, the route still authenticates.
    """

    def expect(what: str, got: tuple[int, Any], statuses: tuple[int, ...]) -> Any:
        if got[0] not in statuses:
            raise ContractError(f"{name}: {what} answered {got[0]} {got[1]!r}, expected one of {statuses}")
        return got[1]

    if expect("GET /open", call("GET", "/open", {}, b""), (200,)) != {"user": None}:
        raise ContractError(f"{name}: GET /open did not answer {{'user': None}}")
    wrong = json.dumps({"username": USERNAME, "password": "wrong"}).encode()
    expect("POST /login, wrong password", call("POST", "/login", JSON_HEADERS, wrong), (401,))
    tokens = expect("POST /login", call("POST", "/login", JSON_HEADERS, LOGIN_BODY), (200,))
    if not isinstance(tokens, dict) or not all(isinstance(tokens.get(k), str)
                                               for k in ("access_token", "refresh_token")):
        raise ContractError(f"{name}: POST /login answered {tokens!r}, not a token pair")
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    refusals = []
    for what, token in hostile_tokens(access, refresh).items():
        got = call("GET", "/protected", auth_headers(token), b"")
        if what == "refresh token" and got[0] == 200:  # a weakness to report, but the route authenticates
            refusals.append(f"{what}: 200 (ACCEPTED as an access token)")
            continue
        expect(f"GET /protected, {what}", got, (*REFUSED, SERVER_ERROR))
        refusals.append(f"{what}: {got[0]}" + (" (server error)" if got[0] == SERVER_ERROR else ""))
    payload = expect("GET /protected", call("GET", "/protected", auth_headers(access), b""), (200,))
    if payload != {"user": USERNAME}:
        raise ContractError(f"{name}: GET /protected answered {payload!r}, expected {{'user': {USERNAME!r}}}")
    return access, refusals
