import fastapi_jwt_views


def test_exported_members_all_listed_and_sorted() -> None:
    public = {name for name in vars(fastapi_jwt_views) if not name.startswith("_")}
    modules = {
        "asyncio",
        "auth_config",
        "auth_jwt",
        "cbv",
        "claims",
        "cli",
        "compat",
        "config",
        "core",
        "errors",
        "exceptions",
        "jwks",
        "keys",
        "locations",
        "logins",
        "openapi",
        "remote_keys",
        "revocation",
        "scopes",
        "session",
        "tokens",
        "users",
        "views",
    }
    assert set(fastapi_jwt_views.__all__) == public - (modules - {"cbv"})
    assert fastapi_jwt_views.__all__ == sorted(fastapi_jwt_views.__all__)


def test_exported_members_have_docstrings() -> None:
    for name in fastapi_jwt_views.__all__:
        member = getattr(fastapi_jwt_views, name)
        if callable(member) and name != "RevocationCallback":
            assert member.__doc__, name
