"""Keeps the documentation in step with the code: settings, errors, and the Python snippets."""

import re
import secrets
from pathlib import Path

import pytest

from fastapi_jwt_views import AuthViewsConfig, errors
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.config import ENV_PREFIX, SETTING_ALIASES

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [path for path in [ROOT / "README.md"] if path.exists()]
ERROR_CLASSES = [
    cls
    for cls in (getattr(errors, name) for name in errors.__all__)
    if isinstance(cls, type) and issubclass(cls, errors.AuthViewsError)
]
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _python_blocks() -> list[pytest.ParameterSet]:
    return [
        pytest.param(block, id=f"{page.relative_to(ROOT)}#{index}")
        for page in PAGES
        for index, block in enumerate(_PYTHON_BLOCK.findall(page.read_text()))
    ]


@pytest.mark.parametrize("env_name", sorted(AuthViewsConfig.env_names().values()))
def test_docs_configuration_mentions_every_setting(env_name: str) -> None:
    assert f"`{env_name}`" in (DOCS / "configuration.md").read_text()


@pytest.mark.parametrize("alias", sorted(SETTING_ALIASES))
def test_docs_configuration_mentions_every_alias(alias: str) -> None:
    assert f"`{ENV_PREFIX}{alias.upper()}`" in (DOCS / "configuration.md").read_text()


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_docs_errors_mentions_every_error_code_and_detail(cls: type[errors.AuthViewsError]) -> None:
    text = (DOCS / "errors.md").read_text()
    assert f"`{cls.__name__}`" in text
    assert f"`{cls.code}`" in text
    assert f"`{cls.default_detail}`" in text


def test_docs_errors_every_exported_class_but_configuration_error_is_an_http_error() -> None:
    names = [name for name in errors.__all__ if name not in {"ConfigurationError", "MisconfiguredError"}]
    assert len(ERROR_CLASSES) == len(names)


def test_docs_pages_have_python_blocks() -> None:
    assert {path.name for path in DOCS.glob("*.md")} >= {
        "index.md", "configuration.md", "views.md", "revocation.md", "errors.md", "security.md"
    }
    assert len(_python_blocks()) >= 10


@pytest.mark.parametrize("source", _python_blocks())
def test_docs_python_block_compiles(source: str) -> None:
    compile(source, "<docs>", "exec")


@pytest.mark.filterwarnings("ignore::fastapi_jwt_views.compat.WeakSecretWarning")  # migrating.md shows one
@pytest.mark.parametrize("page", [page for page in PAGES if _PYTHON_BLOCK.search(page.read_text())],
                         ids=lambda page: str(page.relative_to(ROOT)))
def test_docs_python_blocks_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every snippet runs, in page order in one namespace (a later snippet may use an earlier one's names),
    with a generated secret in the environment as the docs tell readers to have."""
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    try:
        for index, block in enumerate(_PYTHON_BLOCK.findall(page.read_text())):
            exec(compile(block, f"{page.name}#{index}", "exec"), namespace)
    finally:
        PROCESS.reset()  # a snippet may call AuthJWT.load_config
