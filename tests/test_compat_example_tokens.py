"""Drives fastapi-jwt-auth's header examples in ``examples/fastapi_jwt_auth/``: basic, refresh, freshness,
optional, additional claims, asymmetric, dynamic algorithm, multiple files and generate_doc."""

import importlib
import secrets
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthJWT
from fastapi_jwt_views._compat_config import PROCESS

KEYS = Path(__file__).parent / "keys"


def _example(monkeypatch: pytest.MonkeyPatch, name: str, **environment: str) -> TestClient:
    """A fresh import of the example, configured by the environment as its settings class reads it."""
    PROCESS.reset()
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    module_name = f"examples.fastapi_jwt_auth.{name}"
    for loaded in [m for m in sys.modules if m.startswith(module_name)]:
        monkeypatch.delitem(sys.modules, loaded)
    module: ModuleType = importlib.import_module(module_name)
    return TestClient(module.app)


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> None:
    PROCESS.reset()


def test_compat_example_basic_login_then_user(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(monkeypatch, "basic")
    token = _login(client)["access_token"]
    assert client.get("/user", headers=_bearer(token)).json() == {"user": "test"}
    assert client.get("/user").json() == {"detail": "Missing Authorization Header"}
    response = client.post("/login", json={"username": "test", "password": "bad"})
    assert response.status_code == 401


def test_compat_example_refresh_gives_a_new_access_token(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(monkeypatch, "refresh")
    tokens = _login(client)
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/protected", headers=_bearer(refreshed)).json() == {"user": "test"}
    response = client.post("/refresh", headers=_bearer(tokens["access_token"]))
    assert (response.status_code, response.json()) == (422, {"detail": "Only refresh tokens are allowed"})


def test_compat_example_freshness_refreshed_token_is_not_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(monkeypatch, "freshness")
    tokens = _login(client)
    assert client.get("/protected-fresh", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    stale = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/protected", headers=_bearer(stale)).status_code == 200
    response = client.get("/protected-fresh", headers=_bearer(stale))
    assert (response.status_code, response.json()) == (401, {"detail": "Fresh token required"})
    fresh = client.post("/fresh-login", json={"username": "test", "password": "test"}).json()["access_token"]
    assert client.get("/protected-fresh", headers=_bearer(fresh)).status_code == 200


def test_compat_example_optional_anonymous_or_user(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(monkeypatch, "optional")
    assert client.get("/partially-protected").json() == {"user": "anonymous"}
    token = _login(client)["access_token"]
    assert client.get("/partially-protected", headers=_bearer(token)).json() == {"user": "test"}
    assert client.get("/partially-protected", headers=_bearer("not.a.token")).status_code == 422


def test_compat_example_additional_claims_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(monkeypatch, "additional_claims")
    token = _login(client)["access_token"]
    assert client.get("/claims", headers=_bearer(token)).json() == {"foo": ["tiger", "bar"]}


def test_compat_example_asymmetric_signs_and_verifies_rs256(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(
        monkeypatch,
        "asymmetric",
        AUTHJWT_PRIVATE_KEY=(KEYS / "rsa_private.pem").read_text(),
        AUTHJWT_PUBLIC_KEY=(KEYS / "rsa_public.pem").read_text(),
    )
    tokens = _login(client)
    assert client.get("/protected", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/protected", headers=_bearer(refreshed)).status_code == 200


def test_compat_example_dynamic_algorithm_per_token(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _example(monkeypatch, "dynamic_algorithm")
    tokens = _login(client)
    assert client.get("/protected", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    hs256 = AuthJWT().create_access_token(subject="test")  # the default algorithm, not in the allow-list
    response = client.get("/protected", headers=_bearer(hs256))
    assert response.status_code == 422
    assert response.json() == {"detail": "The specified alg value is not allowed"}
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/protected", headers=_bearer(refreshed)).status_code == 200


def test_compat_example_multiple_files_routers_share_the_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = _example(monkeypatch, "multiple_files.app")
    token = _login(client)["access_token"]
    assert client.get("/items", headers=_bearer(token)).json() == {"items": ["item1", "item2", "item3"]}
    assert client.get("/items").json() == {"detail": "Missing Authorization Header"}


def test_compat_example_generate_doc_adds_the_header_to_marked_routes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = _example(monkeypatch, "generate_doc")
    paths = client.get("/openapi.json").json()["paths"]
    parameter = paths["/protected"]["get"]["parameters"][0]
    assert {"name": "Authorization", "in": "header", "required": True}.items() <= parameter.items()
    assert "parameters" not in paths["/login"]["post"]
    token = _login(client)["access_token"]
    assert client.get("/protected", headers=_bearer(token)).json() == {"user": "test"}
