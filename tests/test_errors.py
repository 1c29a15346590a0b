"""The error family's shared rules: WebSocket close codes and the set-up error of a request."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException

from fastapi_jwt_views import errors
from fastapi_jwt_views.errors import MisconfiguredError, as_websocket_error, websocket_close_code

ERROR_CLASSES = [cls for cls in map(errors.__dict__.get, errors.__all__) if isinstance(cls, type)]


@pytest.mark.parametrize(
    "cls",
    [cls for cls in ERROR_CLASSES if issubclass(cls, errors.TokenError)],
    ids=lambda cls: cls.__name__,
)
def test_errors_token_error_on_a_websocket_closes_1008(cls: type[errors.TokenError]) -> None:
    closing = as_websocket_error(cls())
    assert (closing.code, closing.reason) == (1008, cls.default_detail[:123])


@pytest.mark.parametrize(
    "error",
    [errors.RevocationUnavailableError(), MisconfiguredError("set it up")],
    ids=["unavailable", "misconfigured"],
)
def test_errors_cannot_check_now_on_a_websocket_closes_1011(error: HTTPException) -> None:
    closing = as_websocket_error(error)
    assert (closing.code, closing.reason) == (1011, str(error.detail))


@pytest.mark.parametrize(
    ("status", "code"), [(400, 1008), (401, 1008), (403, 1008), (500, 1011), (503, 1011)]
)
def test_errors_websocket_close_code_follows_the_status_class(status: int, code: int) -> None:
    assert websocket_close_code(status) == code


def test_errors_websocket_reason_is_cut_to_123_bytes_on_a_character_boundary() -> None:
    reason = as_websocket_error(errors.DecodeError("é" * 100)).reason
    assert len(reason.encode()) <= 123
    assert reason == "é" * 61


def test_errors_misconfigured_is_a_500_json_and_a_runtime_error() -> None:
    app = FastAPI()

    @app.get("/")
    def route() -> None:
        raise MisconfiguredError("set AUTHJWT_SOMETHING=true")

    response = TestClient(app).get("/")
    assert (response.status_code, response.json()) == (500, {"detail": "set AUTHJWT_SOMETHING=true"})
    assert issubclass(MisconfiguredError, RuntimeError)
    assert not issubclass(MisconfiguredError, errors.AuthViewsError)
    assert MisconfiguredError.code == "misconfigured"
