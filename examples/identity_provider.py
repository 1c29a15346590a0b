"""An API that accepts an identity provider's access tokens (Auth0, Keycloak, Entra ID, Cognito, Google...).

The provider signs; this API only verifies, with the keys the provider publishes at its JWKS URL (fetched
in a worker thread, cached, fetched again for a new ``kid`` at most every 30 s; 503 when they cannot be
had). ``AUTHJWT_FOREIGN_TOKENS`` accepts tokens without a ``type`` claim as access tokens and reads the
identity from ``AUTHJWT_IDENTITY_CLAIM``; issuer and audience must be configured.

Run it (Keycloak, for example)::

    export AUTHJWT_ALGORITHM=RS256
    export AUTHJWT_JWKS_URL=https://sso.example.com/realms/shop/protocol/openid-connect/certs
    export AUTHJWT_FOREIGN_TOKENS=true
    export AUTHJWT_DECODE_ISSUER=https://sso.example.com/realms/shop
    export AUTHJWT_DECODE_AUDIENCE=shop-api
    export AUTHJWT_IDENTITY_CLAIM=preferred_username
    uvicorn examples.identity_provider:app

    curl -s localhost:8000/me -H "Authorization: Bearer <the provider's access token>"
"""

from typing import Any

from fastapi import APIRouter, FastAPI

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv

app = FastAPI(title="fastapi-jwt-views: identity provider")
AuthViews(AuthViewsConfig.from_env()).install(app)
router = APIRouter()


@cbv(router)
class Me(ProtectedView):
    @router.get("/me")
    async def me(self) -> dict[str, Any]:
        roles = self.auth.claims.get("realm_access", {}).get("roles", [])
        return {"user": self.auth.identity, "issuer": self.auth.claims["iss"], "roles": roles}


app.include_router(router)
