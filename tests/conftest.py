import os

import pytest


@pytest.fixture(autouse=True)
def _clean_authjwt_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AUTHJWT_* variable of the machine or of another test leaks into a test."""
    for name in list(os.environ):
        if name.upper().startswith("AUTHJWT_"):
            monkeypatch.delenv(name)
