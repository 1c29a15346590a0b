"""fastapi-jwt-auth 0.5.0's documented usage, run against ``AuthJWT``: basic, refresh, freshness, optional,
user claims, dynamic expires, dynamic algorithm, asymmetric keys and the accessors.

Each app below is written as fastapi-jwt-auth's docs write it; the responses asserted are the ones 0.5.0
documents.
"""

import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException

SECRET = secrets.token_hex(32)  # 64 bytes: enough for HS512 too
KEYS = Path(__file__).parent / "keys"


@pytest.fixture(autouse=True)
def _isolated_authjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config and the denylist loaders set process-wide state: each test gets its own."""
    PROCESS.reset()


class User(BaseModel):
    username: str
    password: str


def _app(handler: bool = True) -> FastAPI:
    app = FastAPI()

    if handler:

        @app.exception_handler(AuthJWTException)
        def authjwt_exception_handler(request: Request, exc: AuthJWTException) -> JSONResponse:
            return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    @app.post("/login")
    def login(user: User, Authorize: AuthJWT = Depends()) -> dict[str, str]:
        if user.username != "test" or user.password != "test":
            raise HTTPException(status_code=401, detail="Bad username or password")
        access_token = Authorize.create_access_token(subject=user.username)
        refresh_token = Authorize.create_refresh_token(subject=user.username)
        return {"access_token": access_token, "refresh_token": refresh_token}

    @app.post("/fresh-login")
    def fresh_login(user: User, Authorize: AuthJWT = Depends()) -> dict[str, str]:
        return {"access_token": Authorize.create_access_token(subject=user.username, fresh=True)}

    @app.post("/refresh")
    def refresh(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_refresh_token_required()
        current_user = Authorize.get_jwt_subject()
        return {"access_token": Authorize.create_access_token(subject=current_user)}

    @app.get("/user")
    def user(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/async-user")
    async def async_user(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_identity()}

    @app.get("/protected-fresh")
    def protected_fresh(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.fresh_jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/partially-protected")
    def partially_protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_optional()
        return {"user": Authorize.get_jwt_subject() or "anonymous", "raw": Authorize.get_raw_jwt()}

    @app.get("/claims")
    def claims(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"foo": Authorize.get_raw_jwt()["foo"]}  # type: ignore[index]

    return app


def _configure(**settings: Any) -> None:
    class Settings(BaseModel):
        authjwt_secret_key: str = SECRET

    @AuthJWT.load_config
    def get_config() -> Any:
        return Settings(**settings) if not settings else [("authjwt_secret_key", SECRET), *settings.items()]


@pytest.fixture
def client() -> TestClient:
    _configure()
    return TestClient(_app())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _forged(claims: dict[str, Any], key: str = SECRET, algorithm: str = "HS256", **header: Any) -> str:
    """A token signed outside the library (a third party's, or a hostile one)."""
    now = int(time.time())
    return jwt.encode(
        {"sub": "test", "iat": now, "nbf": now, **claims}, key, algorithm, headers=header or None
    )


# -- basic usage ------------------------------------------------------------------------------------------
def test_compat_basic_login_then_protected_returns_subject(client: TestClient) -> None:
    tokens = _login(client)
    assert client.get("/user", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    assert client.get("/async-user", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}


def test_compat_basic_bad_password_is_the_apps_own_401(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad username or password"}


@pytest.mark.parametrize("path", ["/user", "/async-user", "/protected-fresh"])
def test_compat_basic_no_header_is_401_missing_authorization_header(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing Authorization Header"}


@pytest.mark.parametrize("header", ["Basic dGVzdDp0ZXN0", "Bearer", "Bearer a b", "Token abc"])
def test_compat_basic_bad_header_is_422(client: TestClient, header: str) -> None:
    response = client.get("/user", headers={"Authorization": header})
    assert response.status_code == 422
    assert response.json() == {"detail": "Bad Authorization header. Expected value 'Bearer <JWT>'"}


def test_compat_basic_login_works_whatever_header_it_is_sent(client: TestClient) -> None:
    """0.5.0 answered 422 here: it parsed the header when AuthJWT was built. The guards raise now."""
    response = client.post(
        "/login", json={"username": "test", "password": "test"}, headers={"Authorization": "Basic dGVzdA=="}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        ("abc", "Not enough segments"),
        ("a.b.c", "Invalid header padding"),
    ],
)
def test_compat_basic_malformed_token_is_422_invalid_header(
    client: TestClient, token: str, detail: str
) -> None:
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


def test_compat_basic_expired_token_is_422_signature_has_expired(client: TestClient) -> None:
    token = _forged({"type": "access", "fresh": False, "jti": "1", "exp": int(time.time()) - 10})
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "Signature has expired"}


def test_compat_basic_expired_token_is_401_with_the_switch() -> None:
    _configure(authjwt_legacy_status_codes=False)
    client = TestClient(_app(handler=False))  # the 0.5.0-style handler drops the exception's headers
    token = _forged({"type": "access", "fresh": False, "jti": "1", "exp": int(time.time()) - 10})
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature has expired"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_compat_basic_foreign_signature_is_422(client: TestClient) -> None:
    token = _forged(
        {"type": "access", "fresh": False, "exp": int(time.time()) + 60}, key=secrets.token_hex(32)
    )
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "Signature verification failed"}


@pytest.mark.parametrize("handler", [True, False], ids=["with-handler", "without-handler"])
def test_compat_basic_errors_render_as_json_with_or_without_a_handler(handler: bool) -> None:
    """0.5.0 without an exception handler answered 500; here FastAPI renders the HTTPException."""
    _configure()
    client = TestClient(_app(handler=handler))
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing Authorization Header"}
    response = client.get("/user", headers={"Authorization": "Basic x"})
    assert response.status_code == 422
    assert "WWW-Authenticate" not in response.headers


# -- refresh and freshness --------------------------------------------------------------------------------
def test_compat_refresh_issues_a_new_access_token(client: TestClient) -> None:
    tokens = _login(client)
    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    assert client.get("/user", headers=_bearer(response.json()["access_token"])).json() == {"user": "test"}


def test_compat_refresh_with_access_token_is_422(client: TestClient) -> None:
    response = client.post("/refresh", headers=_bearer(_login(client)["access_token"]))
    assert response.status_code == 422
    assert response.json() == {"detail": "Only refresh tokens are allowed"}


def test_compat_protected_with_refresh_token_is_422(client: TestClient) -> None:
    response = client.get("/user", headers=_bearer(_login(client)["refresh_token"]))
    assert response.status_code == 422
    assert response.json() == {"detail": "Only access tokens are allowed"}


def test_compat_fresh_token_passes_fresh_route(client: TestClient) -> None:
    token = client.post("/fresh-login", json={"username": "test", "password": "test"}).json()["access_token"]
    assert client.get("/protected-fresh", headers=_bearer(token)).json() == {"user": "test"}


def test_compat_non_fresh_token_is_401_fresh_token_required(client: TestClient) -> None:
    tokens = _login(client)
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    for token in (tokens["access_token"], refreshed):
        response = client.get("/protected-fresh", headers=_bearer(token))
        assert response.status_code == 401
        assert response.json() == {"detail": "Fresh token required"}


def test_compat_fresh_route_with_refresh_token_is_422(client: TestClient) -> None:
    response = client.get("/protected-fresh", headers=_bearer(_login(client)["refresh_token"]))
    assert response.status_code == 422
    assert response.json() == {"detail": "Only access tokens are allowed"}


# -- optional ---------------------------------------------------------------------------------------------
def test_compat_optional_without_token_is_anonymous(client: TestClient) -> None:
    assert client.get("/partially-protected").json() == {"user": "anonymous", "raw": None}


def test_compat_optional_with_token_returns_subject(client: TestClient) -> None:
    body = client.get("/partially-protected", headers=_bearer(_login(client)["access_token"])).json()
    assert body["user"] == "test"
    assert body["raw"]["type"] == "access"


@pytest.mark.parametrize(
    ("kind", "status", "detail"),
    [
        ("refresh", 422, "Only access tokens are allowed"),
        ("expired", 422, "Signature has expired"),
        ("bad-header", 422, "Bad Authorization header. Expected value 'Bearer <JWT>'"),
    ],
)
def test_compat_optional_bad_token_is_still_refused(
    client: TestClient, kind: str, status: int, detail: str
) -> None:
    tokens = _login(client)
    headers = {
        "refresh": _bearer(tokens["refresh_token"]),
        "expired": _bearer(_forged({"type": "access", "fresh": False, "exp": int(time.time()) - 10})),
        "bad-header": {"Authorization": "Bearer a b"},
    }[kind]
    response = client.get("/partially-protected", headers=headers)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


# -- tokens -----------------------------------------------------------------------------------------------
def test_compat_user_claims_are_in_the_token(client: TestClient) -> None:
    token = AuthJWT().create_access_token(subject="test", user_claims={"foo": ["tiger", "bar"]})
    assert client.get("/claims", headers=_bearer(token)).json() == {"foo": ["tiger", "bar"]}


def test_compat_identity_is_the_older_name_of_subject() -> None:
    _configure()
    authorize = AuthJWT()
    assert authorize.get_raw_jwt(authorize.create_access_token(identity="alice"))["sub"] == "alice"  # type: ignore[index]
    assert authorize.get_raw_jwt(authorize.create_refresh_token(identity=7))["sub"] == 7  # type: ignore[index]
    with pytest.raises(TypeError, match="subject"):
        authorize.create_access_token()
    with pytest.raises(TypeError, match="subject"):
        authorize.create_access_token(subject="a", identity="b")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"subject": 1.5}, "subject must be a string or integer"),
        ({"subject": "a", "fresh": "yes"}, "fresh must be a boolean"),
        ({"subject": "a", "algorithm": 256}, "algorithm must be a string"),
        ({"subject": "a", "audience": 5}, "audience must be a string or sequence"),
        ({"subject": "a", "user_claims": ["foo"]}, "user_claims must be a dictionary"),
        ({"subject": "a", "expires_time": "1d"}, "expires_time must be between timedelta, int, bool"),
    ],
)
def test_compat_create_token_misuse_is_type_error(arguments: dict[str, Any], message: str) -> None:
    _configure()
    with pytest.raises(TypeError, match=message):
        AuthJWT().create_access_token(**arguments)


def test_compat_claims_emitted_match_0_5_0() -> None:
    # as in 0.5.0, a token with aud is refused where no audience is configured (RFC 7519 4.1.3)
    _configure(authjwt_encode_audience="a", authjwt_decode_audience=["a"])
    authorize = AuthJWT()
    access = authorize.get_raw_jwt(authorize.create_access_token(subject="test", audience=["a", "b"]))
    assert access is not None
    assert set(access) >= {"sub", "iat", "nbf", "jti", "exp", "type", "fresh", "aud"}
    assert (access["type"], access["fresh"], access["aud"]) == ("access", False, ["a", "b"])
    refresh = authorize.get_raw_jwt(authorize.create_refresh_token(subject="test"))
    assert refresh is not None
    assert set(refresh) >= {"sub", "iat", "nbf", "jti", "exp", "type"}
    assert "fresh" not in refresh


@pytest.mark.parametrize(
    ("expires_time", "lifetime"),
    [
        (timedelta(days=1), 86400),
        (60 * 60, 3600),
        (None, 15 * 60),
        (True, 15 * 60),
        (0, 15 * 60),
    ],
)
def test_compat_dynamic_expires(expires_time: Any, lifetime: int) -> None:
    _configure()
    authorize = AuthJWT()
    claims = authorize.get_raw_jwt(authorize.create_access_token(subject="test", expires_time=expires_time))
    assert claims is not None
    assert claims["exp"] - claims["iat"] == lifetime


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_compat_dynamic_expires_false_needs_non_expiring_configuration(token_type: str) -> None:
    """A token without exp is accepted only where the configured lifetime is False: never minted in vain."""
    _configure()
    authorize = AuthJWT()
    create = getattr(authorize, f"create_{token_type}_token")
    with pytest.raises(ValueError, match=f"AUTHJWT_{token_type.upper()}_TOKEN_EXPIRES=false"):
        create(subject="test", expires_time=False)

    _configure(**{f"authjwt_{token_type}_token_expires": False})
    authorize = AuthJWT()
    token = getattr(authorize, f"create_{token_type}_token")(subject="test", expires_time=False)
    claims = authorize.get_raw_jwt(token)
    assert claims is not None
    assert "exp" not in claims
    if token_type == "access":
        assert TestClient(_app()).get("/user", headers=_bearer(token)).json() == {"user": "test"}


def test_compat_dynamic_algorithm() -> None:
    """examples/dynamic_algorithm.py: the token chooses among the decode algorithms."""
    _configure(authjwt_decode_algorithms={"HS384", "HS512"})
    client = TestClient(_app())
    authorize = AuthJWT()
    for algorithm in ("HS384", "HS512"):
        token = authorize.create_access_token(subject="test", algorithm=algorithm)
        headers = authorize.get_unverified_jwt_headers(token)
        assert headers.pop("kid") and headers == {"alg": algorithm, "typ": "JWT"}  # kid: the signing key
        assert client.get("/user", headers=_bearer(token)).json() == {"user": "test"}
    # HS256 is the signing default but not an allowed decode algorithm here.
    token = _forged({"type": "access", "fresh": False, "exp": int(time.time()) + 60})
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "The specified alg value is not allowed"}


def test_compat_asymmetric_keys() -> None:
    """examples/asymmetric.py: RS512 with a private key to sign and a public key to verify."""

    class Settings(BaseModel):
        authjwt_algorithm: str = "RS512"
        authjwt_public_key: str = (KEYS / "rsa_public.pem").read_text()
        authjwt_private_key: str = (KEYS / "rsa_private.pem").read_text()

    @AuthJWT.load_config
    def get_config() -> Settings:
        return Settings()

    client = TestClient(_app())
    tokens = _login(client)
    headers = AuthJWT().get_unverified_jwt_headers(tokens["access_token"])
    assert headers.pop("kid") and headers == {"alg": "RS512", "typ": "JWT"}
    assert client.get("/user", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    other = _forged(
        {"type": "access", "fresh": False, "exp": int(time.time()) + 60},
        key=(KEYS / "rsa_other_private.pem").read_text(),
        algorithm="RS512",
    )
    response = client.get("/user", headers=_bearer(other))
    assert response.status_code == 422
    assert response.json() == {"detail": "Signature verification failed"}


# -- accessors --------------------------------------------------------------------------------------------
def test_compat_accessors_without_a_token_return_none() -> None:
    _configure()
    authorize = AuthJWT()
    authorize.jwt_optional()
    assert authorize.get_raw_jwt() is None
    assert authorize.get_jwt_subject() is None
    assert authorize.get_jwt_identity() is None
    assert authorize.get_unverified_jwt_headers() is None


def test_compat_accessors_of_an_encoded_token() -> None:
    _configure()
    authorize = AuthJWT()
    token = authorize.create_access_token(subject="test", headers={"x-tenant": "k1"})
    claims = authorize.get_raw_jwt(token)
    assert claims is not None
    assert authorize.get_jti(token) == claims["jti"]
    headers = authorize.get_unverified_jwt_headers(token)
    assert headers.pop("kid") and headers == {"alg": "HS256", "x-tenant": "k1", "typ": "JWT"}


def test_compat_accessors_verify_the_token_they_are_given() -> None:
    _configure()
    authorize = AuthJWT()
    forged = _forged({"type": "access", "jti": "x"}, key=secrets.token_hex(32))
    with pytest.raises(AuthJWTException) as caught:
        authorize.get_jti(forged)
    assert (caught.value.status_code, caught.value.message) == (422, "Signature verification failed")
    with pytest.raises(AuthJWTException) as caught:
        authorize.get_unverified_jwt_headers("abc")
    assert (caught.value.status_code, caught.value.message) == (422, "Not enough segments")


def test_compat_accessors_read_the_header_token_before_any_guard() -> None:
    """0.5.0's ``get_jwt_subject()`` works without a guard when the token came in the header."""
    _configure()
    app = FastAPI()

    @app.get("/whoami")
    def whoami(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        headers = Authorize.get_unverified_jwt_headers()
        return {"user": Authorize.get_jwt_subject(), "alg": headers["alg"] if headers else None}

    client = TestClient(app)
    assert client.get("/whoami").json() == {"user": None, "alg": None}
    token = AuthJWT().create_access_token(subject="test")
    assert client.get("/whoami", headers=_bearer(token)).json() == {"user": "test", "alg": "HS256"}


def test_compat_guard_rejects_unknown_auth_from() -> None:
    _configure()
    with pytest.raises(ValueError, match="auth_from"):
        AuthJWT().jwt_required(auth_from="cookies")


def test_compat_authjwt_uses_the_app_s_installed_authviews() -> None:
    app = _app()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
    client = TestClient(app)
    token = authviews.create_access_token("test")
    assert client.get("/user", headers=_bearer(token)).json() == {"user": "test"}


def test_compat_authjwt_is_exported_at_top_level() -> None:
    import fastapi_jwt_views

    assert fastapi_jwt_views.AuthJWT is AuthJWT
    assert fastapi_jwt_views.AuthJWTException is AuthJWTException
