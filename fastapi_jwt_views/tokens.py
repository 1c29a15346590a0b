"""Encode and verify tokens with PyJWT.

Everything PyJWT needs (keys, options, the allow-list) is prepared once, when the codec is built. Verifying
never lets the token choose its key or algorithm, refuses unknown ``crit`` headers, requires ``exp`` unless
the configuration issues non-expiring tokens of that type, and turns every PyJWT failure into an
:class:`~fastapi_jwt_views.errors.TokenError` (the PyJWT exception is kept as ``__cause__``).
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Final, Literal, NamedTuple

import jwt
from pydantic import BaseModel

from . import errors
from ._compact import check_compact, check_text, read_header
from ._jws import sign
from .claims import claims_payload
from .config import AuthViewsConfig
from .keys import KeySet, key_set
from .remote_keys import RemoteKeys
from .scopes import scope_list

__all__ = [
    "ACCESS",
    "FAMILY_CLAIM",
    "REFRESH",
    "RESERVED_CLAIMS",
    "Freshness",
    "Requirement",
    "TokenCodec",
    "TokenIssuer",
    "TokenPair",
    "TokenType",
    "VerifiedToken",
    "check_requirement",
    "is_fresh",
]

TokenType = Literal["access", "refresh"]
#: What a route asks of the caller's token.
Requirement = Literal["access", "fresh", "refresh", "optional"]
ACCESS: Final = "access"
REFRESH: Final = "refresh"
#: ``fresh`` when creating an access token: fresh or not, or fresh for a while after it is issued.
Freshness = bool | timedelta

#: The claim that ties every token of one login together (refresh-token rotation and sessions).
FAMILY_CLAIM: Final = "fam"
#: Claims the library sets itself; user claims may not override them.
RESERVED_CLAIMS: Final = frozenset(
    {"sub", "iat", "nbf", "jti", "exp", "type", "fresh", "iss", "aud", "csrf", FAMILY_CLAIM}
)
#: Header parameters a caller may not set: they would change how the token is verified.
_RESERVED_HEADERS: Final = frozenset({"alg", "crit", "b64"})

# PyJWT exception -> our error class. Messages follow fastapi-jwt-auth (itself PyJWT 1.7's wording).
_PYJWT_ERRORS: Final[tuple[tuple[type[Exception], type[errors.DecodeError], bool], ...]] = (
    # (PyJWT class, our class, keep PyJWT's message)
    (jwt.InvalidSignatureError, errors.InvalidSignatureError, False),
    (jwt.InvalidAlgorithmError, errors.AlgorithmNotAllowedError, False),
    (jwt.MissingRequiredClaimError, errors.MissingClaimError, True),
    (jwt.InvalidAudienceError, errors.InvalidAudienceError, False),
    (jwt.InvalidIssuerError, errors.InvalidIssuerError, False),
)
#: The NumericDates a ``datetime`` can represent (years 1 to 9999); a time claim outside is refused.
_EARLIEST: Final = datetime.min.replace(tzinfo=timezone.utc).timestamp()
_LATEST: Final = datetime.max.replace(tzinfo=timezone.utc, microsecond=0).timestamp()


def _json_copy(value: Any) -> Any:
    """A copy of parsed JSON that shares nothing mutable with ``value`` (strings and numbers are not)."""
    if type(value) is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_json_copy(item) for item in value]
    return value


def _copier(value: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The cheapest copy of ``value`` that shares nothing mutable: ``dict`` unless something is nested."""
    if any(type(item) is dict or type(item) is list for item in value.values()):
        return _json_copy
    return dict


def _check_unicode(value: Any, what: str) -> None:
    """Refuse, when a token is created, what no verifier could read back: strings that are not Unicode
    text (lone surrogates), and NaN or infinite numbers (not JSON)."""
    if type(value) is str and value.isascii():  # an identity, most often: nothing to refuse
        return
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{what} must be valid Unicode text: {exc.object[exc.start:exc.end]!r} is a lone surrogate"
        ) from None
    except ValueError as exc:
        raise ValueError(f"{what} must be JSON: {exc}") from None
    except TypeError:
        pass  # a type JSON has not: PyJWT raises its own error when it encodes


class VerifiedToken:
    """A token whose signature and registered claims have been checked.

    Its ``header`` and ``claims`` are its own: changing them, however deep, changes nothing another
    request sees. One taken from the verification cache copies them when they are first read (given the
    copy functions), so a request reading only ``identity`` or ``type`` copies nothing.
    """

    __slots__ = ("_claims", "_copy_claims", "_copy_header", "_header", "token")

    #: The claim :attr:`identity` reads (``AUTHJWT_FOREIGN_TOKENS``' codec makes a subclass with its own).
    identity_claim: ClassVar[str] = "sub"

    def __init__(
        self,
        token: str,
        header: dict[str, Any],
        claims: dict[str, Any],
        copy_header: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        copy_claims: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.token = token
        self._header = header
        self._claims = claims
        self._copy_header = copy_header
        self._copy_claims = copy_claims

    def __repr__(self) -> str:
        return f"{type(self).__name__}(type={self._claims.get('type')!r}, jti={self._claims.get('jti')!r})"

    @property
    def header(self) -> dict[str, Any]:
        """The token's JOSE header (this token's own copy)."""
        copy = self._copy_header
        if copy is not None:
            self._header, self._copy_header = copy(self._header), None
        return self._header

    @property
    def claims(self) -> dict[str, Any]:
        """The token's claims (this token's own copy)."""
        copy = self._copy_claims
        if copy is not None:
            self._claims, self._copy_claims = copy(self._claims), None
        return self._claims

    @property
    def claims_read_only(self) -> Mapping[str, Any]:
        """The claims, not copied: for reading only (the library's own checks on every request)."""
        return self._claims

    @property
    def type(self) -> str:
        """``"access"`` or ``"refresh"``."""
        return str(self._claims["type"])

    @property
    def identity(self) -> str | int:
        """Who the token was issued to: ``sub``, or ``AUTHJWT_IDENTITY_CLAIM`` for foreign tokens."""
        return self._claims[self.identity_claim]  # type: ignore[no-any-return]


class _Cached(NamedTuple):
    verified: VerifiedToken
    copy_header: Callable[[dict[str, Any]], dict[str, Any]]
    copy_claims: Callable[[dict[str, Any]], dict[str, Any]]
    retire_at: float | None  # when the key that verified it stops being accepted
    # While valid_from <= now < valid_until, its time claims and key are known good (leeway included);
    # outside, the full checks run again and raise the precise error.
    valid_from: float
    valid_until: float
    # An identity provider's key verified it: from then on (its key set is due again) it is verified
    # again like a new token, so a key the provider withdrew refuses it (inf for a key configured here).
    recheck_at: float


class TokenCodec:
    """Creates and verifies the tokens of one configuration."""

    def __init__(
        self, config: AuthViewsConfig, keys: KeySet | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.keys = keys if keys is not None else key_set(config)
        #: An identity provider's key set (``AUTHJWT_JWKS_URL``), consulted for a ``kid`` not configured here.
        self.remote = (
            RemoteKeys.from_config(config, clock, on_change=self._forget_remote_tokens)
            if config.jwks_url is not None
            else None
        )
        self._foreign = config.foreign_tokens
        self._identity_claim = config.identity_claim
        self._token_class: type[VerifiedToken] = (
            VerifiedToken
            if config.identity_claim == "sub"
            else type(  # one subclass per codec: a VerifiedToken built positionally, as cheap as before
                "VerifiedToken", (VerifiedToken,), {"__slots__": (), "identity_claim": config.identity_claim}
            )
        )
        self.clock = clock
        self._jwt = jwt.PyJWT(
            options={
                "verify_aud": config.decode_audience is not None,
                "verify_sub": False,  # an integer identity is allowed; checked below
                # time claims are checked below, against the codec's clock
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            }
        )
        self._algorithms = list(config.decode_algorithms)
        self._audience = (
            list(config.decode_audience)
            if isinstance(config.decode_audience, tuple)
            else (config.decode_audience)
        )
        self._expires = {ACCESS: config.access_token_expires, REFRESH: config.refresh_token_expires}
        self._leeway = config.decode_leeway.total_seconds()
        # A token carries the CSRF value of the double-submit check only where a cookie may carry it: the
        # configured locations, or (see include_csrf) a view or dependency of the app reading cookies.
        self._csrf = config.cookie_csrf_protect and "cookies" in config.token_location
        # Verified tokens by their encoded form: a client sends the same token many times, and checking
        # its signature again each time is most of the cost of a request. Only signature-checked tokens
        # enter; time claims and revocation are checked on every use.
        # Each entry keeps how to copy its header and claims: a plain ``dict`` copy when nothing is nested
        # (most tokens), a deep one otherwise, so no request can change what another one reads.
        # (An OrderedDict used as an LRU: its C methods cost a fraction of a Python-level cache's.)
        self._cache: OrderedDict[str, _Cached] | None = OrderedDict() if config.token_cache_size else None
        self._cache_size = config.token_cache_size
        self._cache_lock = threading.Lock()

    # -- creating ---------------------------------------------------------------------------------------
    def include_csrf(self) -> None:
        """From now on, give every token a ``csrf`` claim (with ``cookie_csrf_protect``): a route of the
        app reads tokens from cookies although ``token_location`` does not list them."""
        self._csrf = self.config.cookie_csrf_protect

    def encode(
        self,
        identity: str | int,
        token_type: TokenType,
        *,
        fresh: Freshness = False,
        expires: timedelta | int | bool | None = None,
        claims: Mapping[str, Any] | BaseModel | None = None,
        headers: Mapping[str, Any] | None = None,
        audience: str | list[str] | tuple[str, ...] | None = None,
        algorithm: str | None = None,
        family: str | None = None,
        scopes: Iterable[str] | None = None,
    ) -> str:
        """Create a signed token of ``token_type`` for ``identity`` (``family``: its login's id; ``scopes``:
        written to ``scope_claim``, space-delimited in ``scope``, as a list in any other claim)."""
        claims = claims_payload(claims)  # a claims model instance was validated when it was built
        if not isinstance(identity, (str, int)) or isinstance(identity, bool):
            raise TypeError("identity must be a string or integer")
        if isinstance(identity, str):
            _check_unicode(identity, "identity")
        if not isinstance(fresh, (bool, timedelta)):
            raise TypeError("fresh must be a boolean or a timedelta")
        now = int(self.clock())
        payload: dict[str, Any] = {
            "sub": identity,
            "iat": now,
            "nbf": now,
            "jti": str(uuid.uuid4()),
            "type": token_type,
        }
        if token_type == ACCESS:
            payload["fresh"] = fresh if isinstance(fresh, bool) else now + _fresh_seconds(fresh)
        if self._csrf:
            payload["csrf"] = secrets.token_urlsafe(24)  # the double-submit value of a cookie token
        lifetime = self._lifetime(token_type, expires)
        if lifetime is not None:
            payload["exp"] = now + lifetime
        if family is None and token_type == REFRESH:
            family = self.new_family()  # with rotation, every refresh token belongs to a login family
        if family is not None:
            payload[FAMILY_CLAIM] = family
        if self.config.encode_issuer is not None:
            payload["iss"] = self.config.encode_issuer
        aud = audience if audience is not None else self.config.encode_audience
        if aud is not None:
            payload["aud"] = aud if isinstance(aud, str) else list(aud)
        if claims:
            clash = RESERVED_CLAIMS.intersection(claims)
            if clash:
                raise ValueError(f"Reserved claims cannot be overridden: {', '.join(sorted(clash))}")
            _check_unicode(claims, "claims")
            payload.update(claims)
        if scopes is not None:
            payload.update(self._scope_claim(scopes, claims))
        alg = algorithm or self.config.algorithm
        if not isinstance(alg, str):
            raise TypeError("algorithm must be a string")
        kid, key = self.keys.signer(alg)
        if headers:
            clash = _RESERVED_HEADERS.intersection(headers)
            if clash:
                raise ValueError(f"Reserved headers cannot be set: {', '.join(sorted(clash))}")
            _check_unicode(headers, "headers")
            if headers.get("kid", kid) != kid:
                raise ValueError(
                    f"The kid header names the signing key ({kid!r}) and cannot be set to another value; "
                    "choose the id of the active key with AUTHJWT_KEY_ID"
                )
        header = {**headers, "kid": kid} if headers else {"kid": kid}
        return sign(header, payload, alg, key)

    def _scope_claim(self, scopes: Iterable[str], claims: Mapping[str, Any] | None) -> dict[str, Any]:
        name = self.config.scope_claim
        if claims and name in claims:
            raise ValueError(f"scopes= and claims[{name!r}] both set the scope claim: give only one")
        granted = scope_list(scopes)
        return {name: " ".join(granted) if name == "scope" else list(granted)}

    def _lifetime(self, token_type: TokenType, expires: timedelta | int | bool | None) -> int | None:
        if expires is None:
            expires = self._expires[token_type]
        if expires is False:
            return None
        if isinstance(expires, bool) or not isinstance(expires, (int, timedelta)):
            raise TypeError("expires must be a timedelta, a number of seconds, or False")
        seconds = int(expires.total_seconds()) if isinstance(expires, timedelta) else expires
        if seconds <= 0:
            raise ValueError("expires must be positive")
        return seconds

    def new_family(self) -> str | None:
        """A new login family id when refresh-token rotation is on (every refresh token then has one)."""
        return uuid.uuid4().hex if self.config.refresh_token_rotation else None

    # -- verifying --------------------------------------------------------------------------------------
    def decode(self, token: str) -> VerifiedToken:
        """Verify ``token`` (signature, algorithm, time claims, issuer, audience) and return its contents.

        A token verified before is taken from a bounded cache (``token_cache_size``): only its time claims
        are checked again. Each call returns its own header and claims: changing them, however deep,
        changes nothing another call returns.
        """
        if len(token) > self.config.max_token_size:
            raise errors.TokenTooLargeError()
        cache = self._cache
        if cache is None:
            return self._verify(token)[0]
        with self._cache_lock:
            entry = cache.get(token)
            if entry is not None:
                cache.move_to_end(token)
        if entry is not None and not entry.valid_from <= self.clock() < entry.valid_until:
            if self.clock() >= entry.recheck_at:
                entry = None  # its identity provider's key set is due: verified again, as a new token
            elif entry.retire_at is not None and self.clock() > entry.retire_at:
                raise errors.UnknownKeyError("Token signed with a retired key")
            else:
                self._check_times(entry.verified.type, entry.verified.claims)
        if entry is None:
            verified, retire_at = self._verify(token)
            entry = self._cache_entry(verified, retire_at)
            with self._cache_lock:
                cache[token] = entry
                if len(cache) > self._cache_size:
                    cache.popitem(last=False)
        verified = entry.verified
        return self._token_class(
            token, verified._header, verified._claims, entry.copy_header, entry.copy_claims
        )

    def _cache_entry(self, verified: VerifiedToken, retire_at: float | None) -> _Cached:
        claims, leeway = verified.claims, self._leeway
        starts = [claims[name] for name in ("nbf", "iat") if claims.get(name) is not None]
        ends = [claims["exp"] + leeway] if claims.get("exp") is not None else []
        if retire_at is not None:
            ends.append(retire_at)
        kid = verified.header.get("kid")
        recheck_at = math.inf
        if self.remote is not None and kid is not None and kid not in self.keys.by_kid:
            recheck_at = self.remote.checked_until()  # a key of the identity provider verified it
            ends.append(recheck_at)
        return _Cached(
            verified,
            _copier(verified.header),
            _copier(verified.claims),
            retire_at,
            max(starts) - leeway if starts else -math.inf,
            min(ends) if ends else math.inf,
            recheck_at,
        )

    def _forget_remote_tokens(self) -> None:
        """The identity provider's key set changed: its tokens are verified again (a key it no longer lists
        refuses them at once)."""
        cache = self._cache
        if cache is None:
            return
        with self._cache_lock:
            for token in [token for token, entry in cache.items() if entry.recheck_at != math.inf]:
                del cache[token]

    def _keys_for(self, header: dict[str, Any]) -> tuple[str, list[tuple[Any, float | None]]]:
        """The algorithm of a token and the keys to try, in order: one for a ``kid``, at most two without."""
        algorithm = header.get("alg")
        if algorithm not in self._algorithms:
            raise errors.AlgorithmNotAllowedError()
        kid = header.get("kid")
        if kid is None:
            candidates = self.keys.legacy_keys(algorithm)
            if not candidates:
                raise errors.UnknownKeyError("Token has no kid header")
            if any(at is not None for _, at in candidates):  # the legacy key may have retired
                now = self.clock()
                candidates = [(key, at) for key, at in candidates if at is None or now <= at]
                if not candidates:
                    raise errors.UnknownKeyError("Token signed with a retired key")
            return algorithm, candidates
        if not isinstance(kid, str):
            raise errors.DecodeError("Invalid header: kid must be a string")
        entry = self.keys.by_kid.get(kid)
        if entry is None and self.remote is not None:
            entry = self.remote.entry(kid)  # may ask the caller to fetch (async), or raise 401/503
        if entry is None:
            raise errors.UnknownKeyError()
        key = entry.keys.get(algorithm)
        if key is None:  # an allowed algorithm, but not one this key signs with
            raise errors.AlgorithmNotAllowedError()
        if entry.retire_at is not None and self.clock() > entry.retire_at:
            raise errors.UnknownKeyError("Token signed with a retired key")
        return algorithm, [(key, entry.retire_at)]

    def _verify(self, token: str) -> tuple[VerifiedToken, float | None]:
        header_escapes, payload_escapes = check_compact(token)
        try:
            unverified = read_header(token)
            if header_escapes:
                check_text(unverified, "header")  # a kid that is not text is refused before it is looked up
            algorithm, candidates = self._keys_for(unverified)
            last = len(candidates) - 1
            for index, (key, retire_at) in enumerate(candidates):  # one key, or two without a kid
                try:
                    decoded = self._jwt.decode_complete(
                        token,
                        key,
                        algorithms=[algorithm],
                        audience=self._audience,
                        issuer=self.config.decode_issuer,
                    )
                    retires = retire_at  # when the key that verified it stops being accepted
                    break
                except jwt.InvalidSignatureError:
                    if index == last:
                        raise
        except errors.TokenError:
            raise
        except jwt.PyJWTError as exc:
            for pyjwt_class, error_class, keep_message in _PYJWT_ERRORS:
                if isinstance(exc, pyjwt_class):
                    raise (error_class(str(exc)) if keep_message else error_class()) from exc
            raise errors.DecodeError(str(exc) or "Invalid token") from exc
        except (ValueError, TypeError, UnicodeError, RecursionError) as exc:
            # Defensive: malformed input never gives a 500. RecursionError: deeply nested JSON, which
            # PyJWT before 2.14 lets through from its header parser.
            raise errors.DecodeError("Invalid token") from exc
        header, claims = decoded["header"], decoded["payload"]
        if header_escapes:
            check_text(header, "header")
        if payload_escapes:
            check_text(claims, "payload")
        if self._foreign:
            claims = self._adopt(claims)
        self._check_claims(header, claims)
        return self._token_class(token, header, claims), retires

    def _check_claims(self, header: dict[str, Any], claims: dict[str, Any]) -> None:
        if "crit" in header:
            raise errors.DecodeError("Unsupported critical header parameter")
        if self._audience is None and "aud" in claims:
            # RFC 7519 §4.1.3: a token meant for a named audience is refused where none is configured.
            raise errors.InvalidAudienceError()
        token_type = claims.get("type")
        if token_type is None:
            raise errors.MissingClaimError("Missing claim: type")
        if not isinstance(token_type, str):
            raise errors.DecodeError("Invalid claim: type must be a string")
        name = self._identity_claim
        subject = claims.get(name)
        if subject is None:
            raise errors.MissingClaimError(f"Missing claim: {name}")
        if not isinstance(subject, (str, int)) or isinstance(subject, bool):
            raise errors.DecodeError(f"Invalid claim: {name} must be a string or integer")
        jti = claims.get("jti")
        if jti is not None and not isinstance(jti, str):
            raise errors.DecodeError("Invalid claim: jti must be a string")
        self._check_times(token_type, claims)

    def _check_times(self, token_type: str, claims: dict[str, Any]) -> None:
        # Done here rather than by PyJWT so that the codec's clock applies and numeric strings, which
        # PyJWT would pass through int(), are refused (RFC 7519 2: NumericDate is a JSON number).
        for name in ("exp", "nbf", "iat"):
            if name in claims:
                value = claims[name]
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                    raise errors.DecodeError(f"Invalid claim: {name} must be a number")
                if not _EARLIEST <= value <= _LATEST:  # beyond the year 9999: no datetime, no store TTL
                    raise errors.DecodeError(f"Invalid claim: {name} is out of range")
        now, leeway = self.clock(), self._leeway
        exp = claims.get("exp")
        if exp is None:
            if self._expires.get(token_type, True) is not False:
                raise errors.MissingClaimError('Token is missing the "exp" claim')
        elif exp <= now - leeway:
            raise errors.ExpiredSignatureError()
        for name in ("nbf", "iat"):
            value = claims.get(name)
            if value is not None and value > now + leeway:
                raise errors.ImmatureTokenError(f"The token is not yet valid ({name})")

    @staticmethod
    def _adopt(claims: dict[str, Any]) -> dict[str, Any]:
        """A foreign token (``AUTHJWT_FOREIGN_TOKENS``) without a ``type`` claim is an access token."""
        if "type" not in claims:
            claims["type"] = ACCESS
        return claims

    def expires_at(self, claims: Mapping[str, Any]) -> float | None:
        """When a token with these claims stops being accepted (``exp`` plus leeway), or None if never."""
        exp = claims.get("exp")
        if exp is None:
            return None
        return float(exp) + self._leeway


def _fresh_seconds(fresh: timedelta) -> int:
    seconds = int(fresh.total_seconds())
    if seconds < 1:
        raise ValueError("fresh must be True, False or a duration of at least one second")
    return seconds


def is_fresh(claims: Mapping[str, Any], clock: Callable[[], float] = time.time) -> bool:
    """Whether claims are those of a fresh token: ``fresh`` is true, or a NumericDate still ahead of
    ``clock()`` (a token created with ``fresh=timedelta(...)``: fresh until its ``iat`` plus that). No
    leeway applies: the deadline is the application's own."""
    fresh = claims.get("fresh")
    if fresh is True:
        return True
    if isinstance(fresh, (int, float)) and not isinstance(fresh, bool):
        return clock() < fresh  # False for NaN
    return False


def check_requirement(
    claims: Mapping[str, Any], requirement: Requirement, clock: Callable[[], float] = time.time
) -> None:
    """Refuse verified claims whose token type (or freshness at ``clock()``) does not meet ``requirement``."""
    token_type = claims.get("type")
    if requirement == REFRESH:
        if token_type != REFRESH:
            raise errors.RefreshTokenRequiredError()
    elif token_type != ACCESS:
        raise errors.AccessTokenRequiredError()
    elif requirement == "fresh" and not is_fresh(claims, clock):
        raise errors.FreshTokenRequiredError()


class TokenPair(NamedTuple):
    """An access token and a refresh token issued together."""

    access_token: str
    refresh_token: str


class TokenIssuer:
    """The token-creating methods of :class:`AuthViews` and of ``self.auth``, over one codec."""

    __slots__ = ()

    @property
    def _codec(self) -> TokenCodec:
        raise NotImplementedError

    def create_access_token(
        self,
        identity: str | int,
        *,
        fresh: Freshness = False,
        expires: timedelta | int | bool | None = None,
        claims: Mapping[str, Any] | BaseModel | None = None,
        headers: Mapping[str, Any] | None = None,
        audience: str | list[str] | tuple[str, ...] | None = None,
        algorithm: str | None = None,
        scopes: Iterable[str] | None = None,
    ) -> str:
        """Create an access token for ``identity``; ``expires=False`` makes one that never expires;
        ``fresh=timedelta(minutes=15)`` one that is fresh for 15 minutes after it is issued; ``scopes``
        what it allows (see :mod:`fastapi_jwt_views.scopes`)."""
        return self._codec.encode(
            identity,
            ACCESS,
            fresh=fresh,
            expires=expires,
            claims=claims,
            headers=headers,
            audience=audience,
            algorithm=algorithm,
            scopes=scopes,
        )

    def create_refresh_token(
        self,
        identity: str | int,
        *,
        expires: timedelta | int | bool | None = None,
        claims: Mapping[str, Any] | BaseModel | None = None,
        headers: Mapping[str, Any] | None = None,
        audience: str | list[str] | tuple[str, ...] | None = None,
        algorithm: str | None = None,
        scopes: Iterable[str] | None = None,
    ) -> str:
        """Create a refresh token for ``identity`` (of a new login family when rotation is on); its
        ``scopes`` pass on to the access tokens a refresh makes (``self.auth.refresh()``)."""
        return self._codec.encode(
            identity,
            REFRESH,
            expires=expires,
            claims=claims,
            headers=headers,
            audience=audience,
            algorithm=algorithm,
            scopes=scopes,
        )

    def create_token_pair(
        self,
        identity: str | int,
        *,
        fresh: Freshness = False,
        claims: Mapping[str, Any] | BaseModel | None = None,
        scopes: Iterable[str] | None = None,
    ) -> TokenPair:
        """Create an access token and a refresh token for ``identity`` (as after a login; with rotation
        on, both belong to a new login family, so that a reused refresh token revokes them both); both
        carry ``scopes``."""
        family = self._codec.new_family()
        return TokenPair(
            self._codec.encode(identity, ACCESS, fresh=fresh, claims=claims, family=family, scopes=scopes),
            self._codec.encode(identity, REFRESH, claims=claims, family=family, scopes=scopes),
        )
