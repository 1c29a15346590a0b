"""What ``self.auth`` says about authorization: the scopes granted, the typed claims, the user."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final, Generic

from .claims import ClaimsT, validate_claims
from .errors import MisconfiguredError
from .scopes import granted_scopes

if TYPE_CHECKING:
    from .core import AuthViews
    from .tokens import VerifiedToken

__all__ = ["NO_CLAIMS_MODEL", "Authorization"]

logger = logging.getLogger("fastapi_jwt_views")
NO_CLAIMS_MODEL: Final = (
    "self.auth.typed_claims needs a claims model: name it as the view's type parameter, "
    "class Account(ProtectedView[MyClaims])"
)


class Authorization(Generic[ClaimsT]):
    """The authorization side of :class:`~fastapi_jwt_views.AuthSession` (whose slots hold the state)."""

    __slots__ = ("_typed", "_user")
    authviews: AuthViews
    _token: VerifiedToken | None
    _typed: ClaimsT | None
    _user: asyncio.Future[Any] | None

    @property
    def typed_claims(self) -> ClaimsT:
        """The token's claims as the view's claims model (``class Account(ProtectedView[MyClaims])``),
        validated when the request was authenticated."""
        if self._typed is None:
            if self._token is None:
                raise self.authviews.missing_token()
            logger.error("%s", NO_CLAIMS_MODEL)
            raise MisconfiguredError(NO_CLAIMS_MODEL)
        return self._typed

    def _validate(self, model: type[ClaimsT]) -> None:
        """Validate the token's claims with ``model`` (once per request): ``typed_claims`` is the result."""
        if self._token is not None and type(self._typed) is not model:
            self._typed = validate_claims(model, self._token.claims)

    async def user(self) -> Any:
        """The application's user for this token, from ``AuthViews(user_loader=...)``, loaded the first
        time a request asks; None without a token (an ``OptionalView``). A 401 ``UserNotFoundError`` when
        the loader finds none. In a sync handler: ``anyio.from_thread.run(self.auth.user)``."""
        if self._token is None:
            return None
        if self._user is None:
            self._user = asyncio.ensure_future(self.authviews.load_user(self._token.claims))
        return await self._user

    @property
    def scopes(self) -> frozenset[str]:
        """The scopes the token grants (its ``AUTHJWT_SCOPE_CLAIM`` claim; empty without)."""
        claims = self._token.claims if self._token is not None else {}
        return granted_scopes(claims, self.authviews.config.scope_claim)
