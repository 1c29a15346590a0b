"""fastapi-jwt-auth 0.5.0's documented example apps, written its way; only the import lines differ.

In each one ``fastapi_jwt_auth`` became ``fastapi_jwt_views`` (and pydantic 2's ``BaseSettings`` comes from
``pydantic_settings``). The secret is read from ``AUTHJWT_SECRET_KEY`` by a settings class, as 0.5.0's
docs recommend for production. Run one with::

    export AUTHJWT_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    uvicorn examples.fastapi_jwt_auth.basic:app
"""
