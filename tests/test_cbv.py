"""Tests for ``fastapi_jwt_views.cbv``, including regressions of fastapi-utils 0.8.0's ``cbv``."""

from __future__ import annotations

import importlib
import inspect
import textwrap
from pathlib import Path
from typing import Annotated, Any, ClassVar

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Request, WebSocket
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.responses import PlainTextResponse

from fastapi_jwt_views.cbv import cbv


def get_number() -> int:
    return 7


def get_word() -> str:
    return "word"


class Settings:
    """A class used as ``Depends()`` with no argument: FastAPI builds it from the annotation."""

    def __init__(self) -> None:
        self.name = "settings"


class Item(BaseModel):
    id: int
    name: str


def _app(*routers: APIRouter, prefix: str = "") -> FastAPI:
    app = FastAPI()
    for router in routers:
        app.include_router(router, prefix=prefix)
    return app


def _client(*routers: APIRouter, prefix: str = "") -> TestClient:
    return TestClient(_app(*routers, prefix=prefix))


def _route(router: APIRouter, name: str) -> Any:
    return next(route for route in router.routes if getattr(route, "name", None) == name)


def _instance_dependency(router: APIRouter, name: str) -> Any:
    """The callable FastAPI calls to build ``self`` for the route named ``name``."""
    return inspect.signature(_route(router, name).endpoint).parameters["self"].default.dependency


def test_cbv_two_views_on_one_router_serves_both() -> None:
    router = APIRouter()

    @cbv(router)
    class First:
        number: int = Depends(get_number)

        @router.get("/first")
        def read(self) -> int:
            return self.number

    @cbv(router)
    class Second:
        word: str = Depends(get_word)

        @router.get("/second")
        def read(self) -> str:
            return self.word

    client = _client(router)

    assert client.get("/first").json() == 7
    assert client.get("/second").json() == "word"


def _add_websocket_route(router: APIRouter) -> None:
    @router.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("plain websocket")
        await websocket.close()


def _add_starlette_route(router: APIRouter) -> None:
    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("plain route")

    router.add_route("/plain", plain)


def _add_included_router(router: APIRouter) -> None:
    sub_router = APIRouter()

    @sub_router.get("/sub")
    def sub() -> str:
        return "sub router"

    router.include_router(sub_router)


@pytest.mark.parametrize("add_route", [_add_websocket_route, _add_starlette_route, _add_included_router])
def test_cbv_router_with_non_api_route_serves_all(add_route: Any) -> None:
    router = APIRouter()
    add_route(router)

    @cbv(router)
    class First:
        @router.get("/first")
        def read(self) -> str:
            return "first"

    @cbv(router)
    class Second:
        @router.get("/second")
        def read(self) -> str:
            return "second"

    client = _client(router)

    assert client.get("/first").json() == "first"
    assert client.get("/second").json() == "second"
    if add_route is _add_websocket_route:
        with client.websocket_connect("/ws") as websocket:
            assert websocket.receive_text() == "plain websocket"
    elif add_route is _add_starlette_route:
        assert client.get("/plain").text == "plain route"
    else:
        assert client.get("/sub").json() == "sub router"


def test_cbv_duplicate_route_raises() -> None:
    router = APIRouter()

    @router.get("/same")
    def plain() -> str:
        return "plain"

    with pytest.raises(Exception, match="identical route"):

        @cbv(router)
        class View:
            @router.get("/same")
            def read(self) -> str:
                return "view"


def test_cbv_annotated_dependency_attributes_injected() -> None:
    router = APIRouter()

    @cbv(router)
    class View:
        number: Annotated[int, Depends(get_number)]
        settings: Annotated[Settings, Depends()]
        user_agent: Annotated[str, Header()]

        @router.get("/annotated")
        def read(self) -> dict[str, Any]:
            return {"number": self.number, "settings": self.settings.name, "agent": self.user_agent}

    response = _client(router).get("/annotated", headers={"User-Agent": "tests"})

    assert response.status_code == 200, response.text
    assert response.json() == {"number": 7, "settings": "settings", "agent": "tests"}


@pytest.mark.parametrize("include_prefix", ["", "/api"])
def test_cbv_router_prefix_with_empty_path_serves_at_prefix(include_prefix: str) -> None:
    router = APIRouter(prefix="/items")

    @cbv(router)
    class Items:
        number: int = Depends(get_number)

        @router.get("")
        def list_items(self) -> list[int]:
            return [self.number]

        @router.get("/{item_id}")
        def get_item(self, item_id: int) -> int:
            return item_id + self.number

    app = _app(router, prefix=include_prefix)
    client = TestClient(app)

    assert [route.path for route in router.routes] == ["/items", "/items/{item_id}"]
    assert client.get(f"{include_prefix}/items").json() == [7]
    assert client.get(f"{include_prefix}/items/1").json() == 8
    assert app.url_path_for("Items.list_items") == f"{include_prefix}/items"


@pytest.mark.parametrize("with_user_init", [False, True])
def test_cbv_handler_sync_and_async_served(with_user_init: bool) -> None:
    router = APIRouter()

    @cbv(router)
    class View(_InitBase if with_user_init else object):  # type: ignore[misc]
        number: int = Depends(get_number)

        @router.get("/sync")
        def read_sync(self) -> int:
            return self.number

        @router.get("/async")
        async def read_async(self) -> int:
            return self.number + 1

    client = _client(router)

    assert client.get("/sync").json() == 7
    assert client.get("/async").json() == 8


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_cbv_view_without_user_init_takes_view_dependencies_on_the_endpoint(is_async: bool) -> None:
    router = APIRouter()

    @cbv(router)
    class View:
        number: int = Depends(get_number)

        if is_async:

            @router.get("/number")
            async def read(self, times: int = 1) -> int:
                return self.number * times

        else:

            @router.get("/number")
            def read(self, times: int = 1) -> int:
                return self.number * times

    route = _route(router, "View.read")
    parameters = inspect.signature(route.endpoint).parameters

    # No `self` dependency: the endpoint resolves the view's dependencies itself, one level fewer,
    # and it is a coroutine exactly when the method is (a sync method still runs in the thread pool).
    assert list(parameters) == ["number", "times"]
    assert parameters["number"].default.dependency is get_number
    assert [d.call for d in route.dependant.dependencies] == [get_number]
    assert inspect.iscoroutinefunction(route.endpoint) is is_async
    assert _client(router).get("/number", params={"times": 3}).json() == 21


def test_cbv_method_parameter_named_like_attribute_falls_back_to_async_instance_dependency() -> None:
    router = APIRouter()

    @cbv(router)
    class View:
        number: int = Depends(get_number)

        @router.get("/echo")
        def read(self, number: int = 0) -> list[int]:
            return [self.number, number]

    dependency = _instance_dependency(router, "View.read")

    assert dependency is not View
    assert inspect.iscoroutinefunction(dependency)
    assert list(inspect.signature(dependency).parameters) == ["number"]
    assert _client(router).get("/echo", params={"number": 5}).json() == [7, 5]


class _InitBase:
    def __init__(self, scale: int = 1) -> None:
        self.scale = scale


@pytest.mark.parametrize("init_in_base", [False, True])
def test_cbv_view_with_user_init_uses_class_dependency(init_in_base: bool) -> None:
    router = APIRouter()

    class Own:
        def __init__(self, scale: int = 1) -> None:
            self.scale = scale

    @cbv(router)
    class View(_InitBase if init_in_base else Own):  # type: ignore[misc]
        number: int = Depends(get_number)

        @router.get("/scaled")
        def read(self) -> int:
            return int(self.number * self.scale)

    client = _client(router)

    assert _instance_dependency(router, "View.read") is View
    assert client.get("/scaled").json() == 7
    assert client.get("/scaled", params={"scale": 3}).json() == 21


def test_cbv_subclass_of_view_on_other_router_is_initialised() -> None:
    parent_router = APIRouter()
    child_router = APIRouter()

    @cbv(parent_router)
    class Parent:
        number: int = Depends(get_number)

        @parent_router.get("/parent")
        def read(self) -> int:
            return self.number

    @cbv(child_router)
    class Child(Parent):
        word: str = Depends(get_word)

        @child_router.get("/child")
        def read_child(self) -> str:
            return f"{self.word}{self.number}"

    client = _client(parent_router, child_router)

    assert "__cbv_class__" in Child.__dict__
    assert client.get("/parent").json() == 7
    assert client.get("/child").json() == "word7"
    assert _route(parent_router, "Parent.read").endpoint.__wrapped__ is Parent.read


def test_cbv_subclass_of_view_with_user_init_keeps_init() -> None:
    parent_router = APIRouter()
    child_router = APIRouter()

    @cbv(parent_router)
    class Parent(_InitBase):
        number: int = Depends(get_number)

    @cbv(child_router)
    class Child(Parent):
        word: str = Depends(get_word)

        @child_router.get("/child")
        def read(self) -> str:
            return f"{self.word}{self.number * self.scale}"

    client = _client(child_router)

    assert _instance_dependency(child_router, "Child.read") is Child
    assert client.get("/child", params={"scale": 2}).json() == "word14"


_BASE_MODULE = """
from typing import Annotated

from fastapi import Depends


def get_auth() -> str:
    return "alice"


def get_scope() -> str:
    return "read"


class Base:
    auth: str = Depends(get_auth)
    scope: Annotated[str, Depends(get_scope)]
"""


@pytest.mark.parametrize("future_import", [False, True])
def test_cbv_base_class_dependencies_inherited(
    future_import: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module_name = f"cbv_test_base_{'future' if future_import else 'plain'}"
    source = ("from __future__ import annotations\n" if future_import else "") + textwrap.dedent(_BASE_MODULE)
    (tmp_path / f"{module_name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    base = importlib.import_module(module_name).Base
    assert isinstance(base.__annotations__["auth"], str) is future_import
    router = APIRouter()

    @cbv(router)
    class View(base):  # type: ignore[misc, valid-type]
        number: int = Depends(get_number)

        @router.get("/me")
        def read(self) -> dict[str, Any]:
            return {"auth": self.auth, "scope": self.scope, "number": self.number}

    response = _client(router).get("/me")

    assert response.status_code == 200, response.text
    assert response.json() == {"auth": "alice", "scope": "read", "number": 7}


def test_cbv_classvar_attribute_not_a_dependency() -> None:
    router = APIRouter()

    @cbv(router)
    class View:
        label: ClassVar[str] = "label"
        number: int = Depends(get_number)

        @router.get("/label")
        def read(self) -> str:
            return f"{self.label}{self.number}"

    assert list(inspect.signature(View).parameters) == ["number"]
    assert _client(router).get("/label").json() == "label7"


def test_cbv_websocket_method_in_view_served() -> None:
    router = APIRouter()

    @cbv(router)
    class Chat:
        word: str = Depends(get_word)

        @router.websocket("/chat/{room}")
        async def talk(self, websocket: WebSocket, room: str) -> None:
            await websocket.accept()
            await websocket.send_text(f"{self.word} in {room}")
            await websocket.close()

        @router.get("/chat")
        def info(self) -> str:
            return self.word

    client = _client(router)

    with client.websocket_connect("/chat/lobby") as websocket:
        assert websocket.receive_text() == "word in lobby"
    assert client.get("/chat").json() == "word"
    assert _route(router, "Chat.talk").path == "/chat/{room}"


def test_cbv_method_path_query_and_body_parameters_work() -> None:
    router = APIRouter()

    @cbv(router)
    class Items:
        number: int = Depends(get_number)

        @router.get("/items/{item_id}")
        async def read(self, item_id: int, q: str | None = None, limit: int = 10) -> dict[str, Any]:
            return {"id": item_id, "q": q, "limit": limit, "number": self.number}

        @router.post("/items", status_code=201)
        def create(self, item: Item) -> Item:
            return Item(id=item.id + self.number, name=item.name)

    client = _client(router)

    assert client.get("/items/3", params={"q": "x"}).json() == {"id": 3, "q": "x", "limit": 10, "number": 7}
    assert client.get("/items/abc").status_code == 422
    created = client.post("/items", json={"id": 1, "name": "one"})
    assert (created.status_code, created.json()) == (201, {"id": 8, "name": "one"})


def test_cbv_route_names_are_class_dot_method() -> None:
    router = APIRouter()

    @cbv(router)
    class Things:
        @router.get("/things")
        def list_things(self) -> list[str]:
            return []

        @router.post("/things")
        def create_thing(self) -> str:
            return "created"

    assert [getattr(route, "name", None) for route in router.routes] == [
        "Things.list_things",
        "Things.create_thing",
    ]


def test_cbv_openapi_excludes_self_and_attributes() -> None:
    router = APIRouter()

    @cbv(router)
    class Items:
        number: int = Depends(get_number)
        settings: Annotated[Settings, Depends()]

        @router.get("/items/{item_id}")
        def read(self, item_id: int, q: str = "") -> int:
            return item_id

    response = _client(router).get("/openapi.json")

    assert response.status_code == 200, response.text
    parameters = response.json()["paths"]["/items/{item_id}"]["get"]["parameters"]
    assert sorted((p["name"], p["in"]) for p in parameters) == [("item_id", "path"), ("q", "query")]


def test_cbv_route_options_preserved_like_plain_route() -> None:
    plain_router = APIRouter(tags=["views"], responses={404: {"description": "Gone"}})
    view_router = APIRouter(tags=["views"], responses={404: {"description": "Gone"}})
    options: dict[str, Any] = {
        "response_model": Item,
        "status_code": 202,
        "tags": ["items"],
        "summary": "Read one",
        "deprecated": True,
        "responses": {409: {"description": "Conflict"}},
        "openapi_extra": {"x-extra": 1},
    }

    @plain_router.get("/plain/{item_id}", **options)
    def read_plain(item_id: int) -> Any:
        """Docstring description."""
        return {"id": item_id, "name": "n", "ignored": True}

    @cbv(view_router)
    class View:
        @view_router.get("/view/{item_id}", **options)
        def read_view(self, item_id: int) -> Any:
            """Docstring description."""
            return {"id": item_id, "name": "n", "ignored": True}

    client = _client(plain_router, view_router)
    paths = client.get("/openapi.json").json()["paths"]
    plain, view = paths["/plain/{item_id}"]["get"], paths["/view/{item_id}"]["get"]
    plain.pop("operationId")
    view.pop("operationId")

    assert view == plain
    assert view["tags"] == ["views", "items"]
    response = client.get("/view/5")
    assert (response.status_code, response.json()) == (202, {"id": 5, "name": "n"})


def test_cbv_urls_map_method_names_to_http_methods() -> None:
    router = APIRouter()

    @cbv(router, "/resource")
    class Resource:
        number: int = Depends(get_number)

        def get(self) -> int:
            return self.number

        def post(self) -> str:
            return "posted"

    client = _client(router)

    assert client.get("/resource").json() == 7
    assert client.post("/resource").json() == "posted"


def test_cbv_dependency_overrides_apply_to_attributes() -> None:
    router = APIRouter()

    @cbv(router)
    class View:
        number: int = Depends(get_number)
        word: Annotated[str, Depends(get_word)]

        @router.get("/values")
        def read(self) -> list[Any]:
            return [self.number, self.word]

    app = _app(router)
    app.dependency_overrides[get_number] = lambda: 1
    app.dependency_overrides[get_word] = lambda: "other"

    assert TestClient(app).get("/values").json() == [1, "other"]
