"""The exceptions of ``fastapi_jwt_views.exceptions``: fastapi-jwt-auth's names and constructor, the core's
classes and codes, and the mapping from core errors with and without the legacy status codes."""

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException, WebSocketException

from fastapi_jwt_views import AuthViews, AuthViewsConfig, AuthViewsError, errors, exceptions, require_access
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.exceptions import (
    AccessTokenRequired,
    AuthJWTException,
    CSRFError,
    FreshTokenRequired,
    InvalidHeaderError,
    JWTDecodeError,
    MissingTokenError,
    RefreshTokenRequired,
    RevocationUnavailableError,
    RevokedTokenError,
    translate,
)

# (0.5.0 class, the core class it also is, 0.5.0's status)
CLASSES = [
    (MissingTokenError, errors.MissingTokenError, 401),
    (InvalidHeaderError, errors.InvalidHeaderError, 422),
    (JWTDecodeError, errors.DecodeError, 422),
    (CSRFError, errors.CSRFError, 401),
    (RevokedTokenError, errors.RevokedTokenError, 401),
    (AccessTokenRequired, errors.AccessTokenRequiredError, 422),
    (RefreshTokenRequired, errors.RefreshTokenRequiredError, 422),
    (FreshTokenRequired, errors.FreshTokenRequiredError, 401),
    (RevocationUnavailableError, errors.RevocationUnavailableError, 503),
]


def test_compat_exceptions_all_is_complete_and_sorted() -> None:
    defined = {
        name
        for name, value in vars(exceptions).items()
        if isinstance(value, type) and value.__module__ == exceptions.__name__
    }
    assert set(exceptions.__all__) == defined
    assert exceptions.__all__ == sorted(exceptions.__all__)


@pytest.mark.parametrize(("cls", "core", "status"), CLASSES, ids=lambda value: getattr(value, "__name__", ""))
def test_compat_exceptions_0_5_0_constructor_and_attributes(
    cls: type[AuthJWTException], core: type[AuthViewsError], status: int
) -> None:
    error = cls(status_code=status, message="some text")
    assert isinstance(error, AuthJWTException)
    assert isinstance(error, core)
    assert isinstance(error, HTTPException)
    assert (error.status_code, error.message, error.detail, str(error)) == (
        status,
        "some text",
        "some text",
        "some text",
    )
    assert error.code == core.code
    assert cls.__doc__
    positional = cls(418, "teapot")
    assert (positional.status_code, positional.message) == (418, "teapot")


def test_compat_exceptions_base_needs_no_arguments() -> None:
    error = AuthJWTException()
    assert (error.status_code, error.message) == (401, "Not authenticated")
    assert str(error) == "Not authenticated"


def test_compat_exceptions_only_401_carries_www_authenticate() -> None:
    assert MissingTokenError(401, "Missing Authorization Header").headers == {"WWW-Authenticate": "Bearer"}
    assert not JWTDecodeError(422, "Signature has expired").headers
    assert not RevocationUnavailableError(503, "down").headers


@pytest.mark.parametrize(
    ("error", "cls", "legacy_status", "status"),
    [
        (errors.MissingTokenError("Missing Authorization Header"), MissingTokenError, 401, 401),
        (errors.InvalidHeaderError(), InvalidHeaderError, 422, 401),
        (errors.DecodeError("Not enough segments"), InvalidHeaderError, 422, 401),
        (errors.DecodeError("Invalid header padding"), InvalidHeaderError, 422, 401),
        (errors.DecodeError("Invalid payload padding"), JWTDecodeError, 422, 401),
        (errors.ExpiredSignatureError(), JWTDecodeError, 422, 401),
        (errors.InvalidSignatureError(), JWTDecodeError, 422, 401),
        (errors.AlgorithmNotAllowedError(), JWTDecodeError, 422, 401),
        (errors.MissingClaimError("Missing claim: csrf"), JWTDecodeError, 422, 401),
        (errors.TokenTooLargeError(), JWTDecodeError, 422, 401),
        (errors.CSRFError("CSRF double submit tokens do not match"), CSRFError, 401, 401),
        (errors.RevokedTokenError(), RevokedTokenError, 401, 401),
        (errors.AccessTokenRequiredError(), AccessTokenRequired, 422, 401),
        (errors.RefreshTokenRequiredError(), RefreshTokenRequired, 422, 401),
        (errors.FreshTokenRequiredError(), FreshTokenRequired, 401, 401),
        (errors.RevocationUnavailableError(), RevocationUnavailableError, 503, 503),
        (errors.AuthViewsError("other"), AuthJWTException, 401, 401),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_compat_exceptions_translate(
    error: AuthViewsError, cls: type[AuthJWTException], legacy_status: int, status: int
) -> None:
    for legacy, expected in ((True, legacy_status), (False, status)):
        translated = translate(error, legacy=legacy)
        assert type(translated) is cls
        assert (translated.status_code, translated.message) == (expected, error.detail)
    on_websocket = translate(error, legacy=True, websocket=True)
    assert isinstance(on_websocket, cls)
    assert isinstance(on_websocket, WebSocketException)
    assert on_websocket.status_code == on_websocket.code == (1011 if status == 503 else 1008)
    assert on_websocket.message == on_websocket.reason == error.detail


def test_compat_exceptions_translate_keeps_ours_and_truncates_close_reasons() -> None:
    ours = JWTDecodeError(422, "x")
    assert translate(ours, legacy=False) is ours
    long = translate(errors.DecodeError("x" * 200), legacy=True, websocket=True)
    assert long.message == "x" * 200
    assert isinstance(long, WebSocketException)
    assert long.reason == "x" * 123


def test_compat_exceptions_one_handler_covers_the_views_and_authjwt() -> None:
    """AuthJWTException is an AuthViewsError: one handler serves a migrating app's old and new routes."""
    app = FastAPI()
    AuthViews(AuthViewsConfig(secret_key="k" * 32)).install(app)
    seen: list[str] = []

    @app.exception_handler(AuthViewsError)
    def handler(request: Request, exc: AuthViewsError) -> JSONResponse:
        seen.append(type(exc).__module__)
        return JSONResponse(status_code=exc.status_code, content={"error": exc.code, "detail": exc.detail})

    @app.get("/old")
    def old(Authorize: AuthJWT = Depends()) -> None:
        Authorize.jwt_required()

    @app.get("/new", dependencies=[Depends(require_access)])
    def new() -> None:
        return None

    client = TestClient(app)
    for path in ("/old", "/new"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json() == {"error": "missing_token", "detail": "Missing Authorization Header"}
    assert seen == ["fastapi_jwt_views.exceptions", "fastapi_jwt_views.errors"]
