"""``python -m fastapi_jwt_views`` (console script ``fastapi-jwt-views``): keys, test tokens, inspection.

* ``keygen ALG`` prints a new key: an HMAC secret of the length the algorithm needs, or an RSA, EC or
  Ed25519 key pair, as PEM or as a JWKS (``--out PREFIX`` writes files instead, the private one mode 0600).
* ``mint IDENTITY`` prints a token made with the ``AUTHJWT_*`` configuration of the environment.
* ``inspect TOKEN`` (alias ``decode``) prints the header, the claims and their times, then tells whether
  that configuration accepts the token and, if not, why (the same checks as the app, except revocation).

Exit codes: 0 done (token accepted), 1 token refused, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn, TextIO

import jwt

from ._keygen import ALGORITHMS, generate
from .config import AuthViewsConfig
from .core import AuthViews
from .errors import ConfigurationError, TokenError
from .revocation import MemoryRevocationStore
from .tokens import Requirement

__all__ = ["EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "UsageError", "main"]

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
_TIME_CLAIMS = ("iat", "nbf", "exp")


class UsageError(Exception):
    """A command that cannot run as given (bad arguments, configuration or files): exit code 2."""


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    out = stdout if stdout is not None else sys.stdout
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args, out)
    except (UsageError, ConfigurationError) as exc:
        print(f"fastapi-jwt-views {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exit code 2, and the usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fastapi-jwt-views",
        description="Keys, test tokens and token inspection for fastapi-jwt-views apps (AUTHJWT_* settings).",
        epilog="Exit codes: 0 done or token accepted, 1 token refused, 2 usage or configuration error.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    keygen = commands.add_parser("keygen", help="print a new secret or key pair for an algorithm")
    keygen.add_argument("algorithm", nargs="?", default="HS256", choices=ALGORITHMS, metavar="ALGORITHM",
                        help=f"one of {', '.join(ALGORITHMS)} (default HS256)")
    keygen.add_argument("--format", choices=("pem", "jwks"), default="pem",
                        help="pem: the secret, or the private then the public PEM; jwks: a JSON Web Key Set")
    keygen.add_argument("--bits", type=int, default=2048, help="RSA key size (default 2048)")
    keygen.add_argument("--out", metavar="PREFIX",
                        help="write files PREFIX.* instead of printing (never overwrites)")
    keygen.set_defaults(run=_keygen)

    mint = commands.add_parser("mint", help="print a token made with the AUTHJWT_* configuration")
    mint.add_argument("identity", help="the subject (sub claim)")
    mint.add_argument("--type", choices=("access", "refresh"), default="access")
    mint.add_argument("--fresh", action="store_true", help="a fresh access token")
    mint.add_argument("--expires", metavar="SECONDS|never",
                      help="lifetime in seconds, or never (default: the configured one)")
    mint.add_argument("--claims", metavar="JSON",
                      help='extra claims as a JSON object, e.g. \'{"role": "admin"}\'')
    mint.add_argument("--int", dest="int_identity", action="store_true", help="the identity is an integer")
    mint.set_defaults(run=_mint)

    inspect = commands.add_parser("inspect", aliases=["decode"],
                                  help="show a token and whether the AUTHJWT_* configuration accepts it")
    inspect.add_argument("token", help="the token, or - to read it from standard input")
    inspect.add_argument("--require", choices=("access", "refresh", "fresh"),
                         help="what the route asks for (default: the token's own type)")
    inspect.add_argument("--no-verify", action="store_true", help="only show the contents; no configuration")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(run=_inspect)
    return parser


# -- keygen ---------------------------------------------------------------------------------------------
def _keygen(args: argparse.Namespace, out: TextIO) -> int:
    try:
        key = generate(args.algorithm, rsa_bits=args.bits)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    files: dict[str, tuple[str, bool]] = {}  # suffix -> (text, private)
    if args.format == "jwks":
        files["jwks.json"] = (key.jwks() + "\n", True)
        if key.secret is None:
            files["public.jwks.json"] = (key.jwks(private=False) + "\n", False)
    elif key.secret is not None:
        files["secret"] = (key.secret + "\n", True)
    else:
        assert key.private_pem is not None and key.public_pem is not None
        files["key.pem"], files["pub.pem"] = (key.private_pem, True), (key.public_pem, False)
    if args.out is None:
        if args.format == "jwks":
            out.write(files["jwks.json"][0])
        else:
            out.write("".join(text for text, _private in files.values()))
        return EXIT_OK
    paths = {Path(f"{args.out}.{suffix}"): content for suffix, content in files.items()}
    existing = [str(path) for path in paths if path.exists()]
    if existing:
        raise UsageError(f"not overwriting {', '.join(existing)}")
    for path, (text, private) in paths.items():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
        with os.fdopen(fd, "w") as file:
            file.write(text)
        print(f"wrote {path}" + (" (private)" if private else ""), file=out)
    return EXIT_OK


# -- mint -----------------------------------------------------------------------------------------------
def _mint(args: argparse.Namespace, out: TextIO) -> int:
    expires: int | bool | None = None
    if args.expires == "never":
        expires = False
    elif args.expires is not None:
        try:
            expires = int(args.expires)
        except ValueError:
            raise UsageError(f"--expires must be seconds or never, not {args.expires!r}") from None
    claims: Any = None
    if args.claims is not None:
        try:
            claims = json.loads(args.claims)
        except ValueError as exc:
            raise UsageError(f"--claims is not JSON: {exc}") from exc
        if not isinstance(claims, dict):
            raise UsageError("--claims must be a JSON object")
    if args.fresh and args.type != "access":
        raise UsageError("--fresh applies to access tokens only")
    identity: str | int = args.identity
    if args.int_identity:
        try:
            identity = int(args.identity)
        except ValueError:
            raise UsageError(f"--int: {args.identity!r} is not an integer") from None
    authviews = _authviews()
    try:
        if args.type == "access":
            token = authviews.create_access_token(identity, fresh=args.fresh, expires=expires, claims=claims)
        else:
            token = authviews.create_refresh_token(identity, expires=expires, claims=claims)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from exc
    print(token, file=out)
    return EXIT_OK


def _authviews() -> AuthViews:
    # A memory store, never the configured Redis: the CLI neither connects anywhere nor reads revocations.
    return AuthViews(AuthViewsConfig.from_env(), store=MemoryRevocationStore(capacity=1))


# -- inspect --------------------------------------------------------------------------------------------
def _inspect(args: argparse.Namespace, out: TextIO) -> int:
    token = sys.stdin.read().strip() if args.token == "-" else args.token.strip()
    report: dict[str, Any] = {"header": None, "claims": None, "times": {}}
    try:
        report["header"] = jwt.get_unverified_header(token)
        report["claims"] = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
        report["unreadable"] = f"not a readable JWT: {exc}"
    if isinstance(report["claims"], dict):
        report["times"] = {name: _when(report["claims"][name]) for name in _TIME_CLAIMS
                           if isinstance(report["claims"].get(name), (int, float))}
    code = EXIT_OK
    if not args.no_verify:
        authviews = _authviews()
        token_type = (report["claims"] or {}).get("type")
        requirement: Requirement = args.require or ("refresh" if token_type == "refresh" else "access")
        report["requirement"] = requirement
        try:
            verified = asyncio.run(authviews.verify(token, requirement))
        except TokenError as exc:
            report["verdict"] = {"accepted": False, "status": exc.status_code, "code": exc.code,
                                 "detail": exc.detail}
            code = EXIT_REFUSED
        else:
            report["verdict"] = {"accepted": True, "type": verified.type}
    elif "unreadable" in report:
        code = EXIT_REFUSED
    if args.json:
        print(json.dumps(report, indent=2, default=str), file=out)
    else:
        _print_report(report, out)
    return code


def _when(timestamp: float, now: float | None = None) -> str:
    """``2026-11-30 21:15:00 UTC (in 14 min)``: a NumericDate for people."""
    now = datetime.now(timezone.utc).timestamp() if now is None else now
    try:
        moment = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        moment = f"{timestamp} (out of range)"
    delta = timestamp - now
    return f"{moment} ({'in ' if delta >= 0 else ''}{_duration(abs(delta))}{'' if delta >= 0 else ' ago'})"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}".replace(".0 ", " ")
    return f"{seconds:.0f} s"


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    if "unreadable" in report:
        print(report["unreadable"], file=out)
    for part in ("header", "claims"):
        if report[part] is not None:
            print(f"{part}: {json.dumps(report[part], indent=2, default=str)}", file=out)
    for name, text in report["times"].items():
        print(f"{name}: {text}", file=out)
    verdict = report.get("verdict")
    if verdict is None:
        return
    if verdict["accepted"]:
        print(f"ACCEPTED where a route requires {report['requirement']} "
              "(by the AUTHJWT_* configuration; revocation is not checked here)", file=out)
    else:
        print(f"REFUSED ({verdict['status']} {verdict['code']}): {verdict['detail']}", file=out)
