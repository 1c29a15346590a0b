"""Views whose handler takes nothing to validate call their auth dependency themselves (one FastAPI
dependency level fewer): what FastAPI did for them must still hold."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, require_access

SECRET = "inline-test-secret-0123456789-abcdefghijklmnop"
calls: list[str] = []


def build() -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
    router = APIRouter()

    class Inline(ProtectedView):
        @router.get("/inline")
        async def inline(self) -> dict[str, Any]:
            calls.append("inline")
            return {"user": self.auth.identity}

        @router.post("/inline-response")
        async def with_response(self, response: Response) -> dict[str, Any]:
            response.headers["x-user"] = str(self.auth.identity)
            return {"user": self.auth.identity}

        @router.get("/inline-sync")
        def sync(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    class Validated(ProtectedView):
        @router.get("/validated")
        async def validated(self, number: int) -> dict[str, Any]:
            calls.append("validated")
            return {"user": self.auth.identity, "number": number}

    app.include_router(router)
    return app, authviews


@pytest.fixture
def app() -> tuple[FastAPI, AuthViews]:
    calls.clear()
    return build()


def test_inline_view_without_parameters_skips_the_dependency_level(app: tuple[FastAPI, AuthViews]) -> None:
    router_routes = {route.path: route for route in app[0].router.routes if isinstance(route, APIRoute)}
    if not router_routes:  # FastAPI >= 0.16x keeps the included router as one route
        router_routes = {
            route.path: route
            for included in app[0].router.routes
            for route in getattr(getattr(included, "original_router", None), "routes", ())
        }
    assert router_routes["/inline"].dependant.dependencies == []
    assert router_routes["/inline-response"].dependant.dependencies == []
    # a parameter FastAPI validates keeps the view's auth a FastAPI dependency (401 before 422)
    assert len(router_routes["/validated"].dependant.dependencies) == 1


@pytest.mark.parametrize("path", ["/inline", "/inline-sync"])
def test_inline_view_refuses_missing_and_bad_tokens_before_the_handler(
    app: tuple[FastAPI, AuthViews], path: str
) -> None:
    client = TestClient(app[0])
    token = app[1].create_access_token("alice")
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": f"Bearer {token[:-3]}AAA"}).status_code == 401
    assert calls == []
    answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json() == {"user": "alice"}


def test_inline_view_with_response_parameter_sets_headers(app: tuple[FastAPI, AuthViews]) -> None:
    token = app[1].create_access_token("bob")
    answer = TestClient(app[0]).post("/inline-response", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.headers["x-user"] == "bob"


def test_validated_view_still_refuses_an_anonymous_request_before_validating(
    app: tuple[FastAPI, AuthViews],
) -> None:
    answer = TestClient(app[0]).get("/validated?number=not-a-number")
    assert answer.status_code == 401  # not 422: nothing about the route is told to an anonymous client
    assert calls == []


class FakeSession:
    identity = "fake-user"


def test_inline_view_honours_a_dependency_override_without_parameters(app: tuple[FastAPI, AuthViews]) -> None:
    app[0].dependency_overrides[require_access] = FakeSession
    for path in ("/inline", "/inline-sync"):
        assert TestClient(app[0]).get(path).json() == {"user": "fake-user"}


def test_inline_view_honours_an_async_override_taking_the_request(app: tuple[FastAPI, AuthViews]) -> None:
    async def from_header(request: Request) -> FakeSession:
        session = FakeSession()
        session.identity = request.headers["x-test-user"]
        return session

    app[0].dependency_overrides[require_access] = from_header
    assert TestClient(app[0]).get("/inline", headers={"x-test-user": "carol"}).json() == {"user": "carol"}


def test_inline_view_refuses_an_override_it_cannot_call(app: tuple[FastAPI, AuthViews]) -> None:
    def needs_more(token: str, other: Any = Depends(FakeSession)) -> FakeSession:
        return FakeSession()

    app[0].dependency_overrides[require_access] = needs_more
    with pytest.raises(TypeError, match=r"dependency_overrides\[.*may take no parameters or only the"):
        TestClient(app[0]).get("/inline")


def test_inline_view_refuses_a_yielding_override(app: tuple[FastAPI, AuthViews]) -> None:
    def yielding() -> Any:
        yield FakeSession()

    app[0].dependency_overrides[require_access] = yielding
    with pytest.raises(TypeError, match="must return its value, not yield it"):
        TestClient(app[0]).get("/inline")


def test_inline_view_route_declares_its_security_in_openapi(app: tuple[FastAPI, AuthViews]) -> None:
    schema = TestClient(app[0]).get("/openapi.json").json()
    for path, method in (("/inline", "get"), ("/inline-response", "post"), ("/validated", "get")):
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"BearerToken": []}], path
        assert "401" in operation["responses"], path
        assert not any(p["name"] == "_cbv_connection" for p in operation.get("parameters", ())), path
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken"}


def test_inline_sync_view_makes_one_thread_hop(
    app: tuple[FastAPI, AuthViews], monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(function)
        return await run_sync(function, *args, **kwargs)

    token = app[1].create_access_token("alice")
    with TestClient(app[0]) as client:
        monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
        answer = client.get("/inline-sync", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"user": "alice"}
    assert len(hops) == 1  # FastAPI's own for any `def` handler; authenticating makes none
