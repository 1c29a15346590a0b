"""The docs site (mkdocs.yml) lists every page, and builds offline; `mkdocs build --strict` runs in CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = (ROOT / "mkdocs.yml").read_text()


@pytest.mark.parametrize("page", sorted(path.name for path in (ROOT / "docs").glob("*.md")))
def test_docs_site_nav_lists_every_page(page: str) -> None:
    assert re.search(rf"^\s+- (?:[^:\n]+: )?{re.escape(page)}$", CONFIG, re.MULTILINE), (
        f"docs/{page} is not in the nav of mkdocs.yml"
    )


def test_docs_site_fetches_nothing_at_build_time() -> None:
    settings = "\n".join(line.split("#")[0] for line in CONFIG.splitlines())
    assert re.search(r"^\s+font: false", settings, re.MULTILINE)  # no Google Fonts
    for plugin in ("social", "privacy", "optimize", "git-revision-date", "import:"):
        assert plugin not in settings


def test_docs_site_changelog_page_is_the_changelog() -> None:
    assert (ROOT / "docs" / "changelog.md").read_text().strip() == '--8<-- "CHANGELOG.md"'
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()
