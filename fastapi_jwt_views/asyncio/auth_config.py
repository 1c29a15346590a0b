"""async-fastapi-jwt-auth's module path: ``AuthConfig``, the process-wide configuration."""

from .._compat_config import AuthConfig

__all__ = ["AuthConfig"]
