"""The ``AUTHJWT_*`` names a pydantic-settings object was offered but ignored.

pydantic-settings reads only the variables it has fields for: a typo in ``.env`` (``AUTHJWT_SECRET_KEYY``),
or a setting the class does not declare, is dropped without a word (``extra="ignore"``; with the default
``extra="forbid"`` only ``.env`` extras are refused, never the environment's). ``from_settings`` asks this
module for those names and refuses them. Read: ``os.environ`` and the files of ``model_config["env_file"]``
(a file given as ``Settings(_env_file=...)`` is not recorded on the object, so it cannot be checked).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["ignored_names"]

_FIELD_PREFIX = "authjwt_"


def _is_pydantic_settings(obj: object) -> bool:
    return any(base.__module__.split(".")[0] == "pydantic_settings" for base in type(obj).__mro__)


def _env_files(config: Mapping[str, Any]) -> list[Path]:
    files = config.get("env_file")
    if files is None:
        return []
    items = [files] if isinstance(files, (str, os.PathLike)) else list(files)
    return [Path(item) for item in items if Path(item).is_file()]


def _sources(config: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, str | None], str]]:
    yield os.environ, "the environment"
    files = _env_files(config)
    if files:
        from dotenv import dotenv_values  # installed with pydantic-settings

        for path in files:
            yield dotenv_values(path, encoding=config.get("env_file_encoding") or "utf-8"), str(path)


def ignored_names(obj: object) -> list[tuple[str, str, str]]:
    """``(variable, its name without the env_prefix, where)`` for each AUTHJWT_* variable ``obj`` ignored."""
    if not _is_pydantic_settings(obj):
        return []
    cls: Any = type(obj)
    config: Mapping[str, Any] = getattr(cls, "model_config", {})
    sensitive = bool(config.get("case_sensitive", False))
    prefix = str(config.get("env_prefix") or "")

    def fold(text: str) -> str:
        return text if sensitive else text.lower()

    read: set[str] = set()
    for name, info in getattr(cls, "model_fields", {}).items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        read.add(fold(alias) if isinstance(alias, str) else fold(prefix + name))
    found = []
    for mapping, where in _sources(config):
        for key in mapping:
            if fold(key) in read or not fold(key).startswith(fold(prefix)):
                continue
            field = key[len(prefix) :]
            if field.lower().startswith(_FIELD_PREFIX):
                found.append((key, field, where))
    return found
