"""The command line: keygen, mint and inspect, in process (``main``) and once as ``python -m``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._keygen import ALGORITHMS
from fastapi_jwt_views.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
SECRET = "cli-test-secret-" + "x" * 32
HMAC = [alg for alg in ALGORITHMS if alg.startswith("HS")]
ASYMMETRIC = [alg for alg in ALGORITHMS if not alg.startswith("HS")]


def run(
    *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> AuthViews:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    return AuthViews(AuthViewsConfig(secret_key=SECRET))


# -- keygen ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", HMAC)
def test_cli_keygen_hmac_secret_is_long_enough_and_configures_an_app(algorithm: str) -> None:
    code, out = run("keygen", algorithm)
    secret = out.strip()
    assert code == EXIT_OK and len(secret.encode()) >= int(algorithm[2:]) // 8
    authviews = AuthViews(AuthViewsConfig(secret_key=secret, algorithm=algorithm))  # no weak-secret error
    assert authviews.codec.decode(authviews.create_access_token("alice")).claims["sub"] == "alice"
    assert run("keygen", algorithm)[1] != out


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_cli_keygen_pem_pair_signs_and_verifies(algorithm: str) -> None:
    code, out = run("keygen", algorithm)
    private, public = out.split("-----END PRIVATE KEY-----\n")
    assert code == EXIT_OK and public.startswith("-----BEGIN PUBLIC KEY-----")
    config = AuthViewsConfig(algorithm=algorithm, private_key=private + "-----END PRIVATE KEY-----\n",
                             public_key=public)
    authviews = AuthViews(config)
    assert authviews.codec.decode(authviews.create_access_token("alice")).header["alg"] == algorithm


@pytest.mark.parametrize("algorithm", ["HS384", "RS256", "PS512", "ES256", "ES384", "ES512", "EdDSA"])
def test_cli_keygen_jwks_holds_a_usable_key_with_alg_and_kid(algorithm: str) -> None:
    code, out = run("keygen", algorithm, "--format", "jwks")
    (jwk,) = json.loads(out)["keys"]
    assert code == EXIT_OK and jwk["alg"] == algorithm and jwk["use"] == "sig" and jwk["kid"]
    key = jwt.PyJWK(jwk)
    token = jwt.encode({"sub": "alice"}, key.key, algorithm=algorithm)
    verifying = key.key if algorithm.startswith("HS") else key.key.public_key()
    assert jwt.decode(token, verifying, algorithms=[algorithm])["sub"] == "alice"


def test_cli_keygen_out_writes_private_files_0600_and_never_overwrites(tmp_path: Path) -> None:
    prefix = str(tmp_path / "signing")
    code, out = run("keygen", "ES256", "--format", "jwks", "--out", prefix)
    private, public = Path(prefix + ".jwks.json"), Path(prefix + ".public.jwks.json")
    assert code == EXIT_OK and str(private) in out and str(public) in out
    assert private.stat().st_mode & 0o777 == 0o600
    assert "d" in json.loads(private.read_text())["keys"][0]
    assert "d" not in json.loads(public.read_text())["keys"][0]
    before = private.read_text()
    assert run("keygen", "ES256", "--format", "jwks", "--out", prefix)[0] == EXIT_USAGE
    assert private.read_text() == before


def test_cli_keygen_pem_out_writes_key_and_pub(tmp_path: Path) -> None:
    prefix = str(tmp_path / "k")
    assert run("keygen", "EdDSA", "--out", prefix)[0] == EXIT_OK
    assert Path(prefix + ".key.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert Path(prefix + ".pub.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize("argv", [["keygen", "none"],
                                  ["keygen", "HS256", "--format", "der"], ["mint"], []])
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == EXIT_USAGE and "usage:" in capsys.readouterr().err


def test_cli_keygen_small_rsa_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("keygen", "RS256", "--bits", "1024")[0] == EXIT_USAGE
    assert "at least 2048 bits" in capsys.readouterr().err


# -- mint -----------------------------------------------------------------------------------------------
def test_cli_mint_access_token_is_accepted_by_the_configured_app(secret_env: AuthViews) -> None:
    code, out = run("mint", "alice", "--fresh", "--claims", '{"role": "admin"}')
    claims = secret_env.codec.decode(out.strip()).claims
    assert code == EXIT_OK
    assert (claims["sub"], claims["type"], claims["fresh"]) == ("alice", "access", True)
    assert claims["role"] == "admin"


def test_cli_mint_refresh_never_expiring_and_integer_identity(secret_env: AuthViews) -> None:
    code, out = run("mint", "42", "--int", "--type", "refresh", "--expires", "never")
    claims = jwt.decode(out.strip(), SECRET, algorithms=["HS256"], options={"verify_sub": False})
    assert code == EXIT_OK and claims["sub"] == 42 and claims["type"] == "refresh" and "exp" not in claims
    code, out = run("inspect", out.strip())  # the app expires refresh tokens, so it refuses this one
    assert code == EXIT_REFUSED and '"sub": 42' in out and 'missing the "exp" claim' in out


def test_cli_mint_expires_sets_the_lifetime(secret_env: AuthViews) -> None:
    claims = jwt.decode(run("mint", "alice", "--expires", "60")[1].strip(), SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--claims", "{nope"], "not JSON"),
        (["--claims", "[1]"], "JSON object"),
        (["--claims", '{"sub": "bob"}'], "Reserved claims"),
        (["--expires", "soon"], "seconds or never"),
        (["--expires", "0"], "positive"),
        (["--int"], "not an integer"),
        (["--type", "refresh", "--fresh"], "access tokens only"),
    ],
)
def test_cli_mint_bad_arguments_exit_2_with_a_message(
    secret_env: AuthViews, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("mint", "alice", *argv)[0] == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_cli_mint_without_configuration_exit_2_naming_the_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("mint", "alice")[0] == EXIT_USAGE
    assert "AUTHJWT_SECRET_KEY must be set" in capsys.readouterr().err


# -- inspect --------------------------------------------------------------------------------------------
def test_cli_inspect_accepted_token_shows_header_claims_and_times(secret_env: AuthViews) -> None:
    code, out = run("inspect", secret_env.create_access_token("alice"))
    assert code == EXIT_OK
    assert '"alg": "HS256"' in out and '"sub": "alice"' in out
    assert "exp: " in out and " UTC (in 15 min)" in out and "ACCEPTED" in out


@pytest.mark.parametrize(
    ("make", "argv", "code_name"),
    [
        (lambda a: AuthViews(a.config, clock=lambda: 1e6).create_access_token("a"), [], "token_expired"),
        (lambda a: AuthViews(AuthViewsConfig(secret_key="y" * 40)).create_access_token("a"), [],
         "unknown_key"),  # another key: its kid is not one of ours
        (lambda a: a.create_access_token("a")[:-4] + "AAAA", [], "invalid_signature"),
        (lambda a: a.create_access_token("a"), ["--require", "refresh"], "refresh_token_required"),
        (lambda a: a.create_refresh_token("a"), ["--require", "access"], "access_token_required"),
        (lambda a: a.create_access_token("a"), ["--require", "fresh"], "fresh_token_required"),
        (lambda a: jwt.encode({"sub": "a", "type": "access"}, SECRET + "x" * 32, algorithm="HS512"), [],
         "algorithm_not_allowed"),
        (lambda a: "not.a.token", [], "decode_error"),
    ],
)
def test_cli_inspect_refused_token_exit_1_says_why(
    secret_env: AuthViews, make: Callable[[AuthViews], str], argv: list[str], code_name: str
) -> None:
    code, out = run("inspect", make(secret_env), *argv)
    assert code == EXIT_REFUSED and f"REFUSED (401 {code_name})" in out


def test_cli_inspect_wrong_audience_is_refused(
    monkeypatch: pytest.MonkeyPatch, secret_env: AuthViews
) -> None:
    token = secret_env.create_access_token("alice", audience="billing")
    monkeypatch.setenv("AUTHJWT_DECODE_AUDIENCE", "shop")
    code, out = run("decode", token, "--json")
    report = json.loads(out)
    assert code == EXIT_REFUSED and report["claims"]["aud"] == "billing"
    assert report["verdict"]["accepted"] is False and "audience" in report["verdict"]["code"]


def test_cli_inspect_no_verify_needs_no_configuration_and_reads_stdin(
    secret_env: AuthViews, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = secret_env.create_refresh_token("alice")
    monkeypatch.delenv("AUTHJWT_SECRET_KEY")
    code, out = run("inspect", "-", "--no-verify", "--json", stdin=token + "\n", monkeypatch=monkeypatch)
    report = json.loads(out)
    assert code == EXIT_OK and report["claims"]["type"] == "refresh" and "verdict" not in report


def test_cli_inspect_unreadable_token_without_verification_exit_1() -> None:
    code, out = run("inspect", "@@@", "--no-verify")
    assert code == EXIT_REFUSED and "not a readable JWT" in out


def test_cli_inspect_bad_configuration_exit_2(monkeypatch: pytest.MonkeyPatch, secret_env: AuthViews) -> None:
    token = secret_env.create_access_token("alice")
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", "short")
    assert run("inspect", token)[0] == EXIT_USAGE


# -- as a program ---------------------------------------------------------------------------------------
def test_cli_python_m_mints_then_inspects_with_exit_codes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("AUTHJWT_")}
    env |= {"AUTHJWT_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "fastapi_jwt_views"]
    minted = subprocess.run([*command, "mint", "alice"], capture_output=True, text=True, env=env,
                            timeout=60, check=False)
    assert minted.returncode == EXIT_OK, minted.stderr
    token = minted.stdout.strip()
    accepted = subprocess.run([*command, "inspect", token], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
    assert accepted.returncode == EXIT_OK and "ACCEPTED" in accepted.stdout
    refused = subprocess.run([*command, "inspect", token + "x"], capture_output=True, text=True, env=env,
                             timeout=60, check=False)
    assert refused.returncode == EXIT_REFUSED and "REFUSED" in refused.stdout
