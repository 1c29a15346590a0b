"""Token revocation: the store protocol and the built-in stores."""

from .base import RevocationCallback, RevocationStore
from .memory import MemoryRevocationStore

__all__ = ["MemoryRevocationStore", "RevocationCallback", "RevocationStore"]
