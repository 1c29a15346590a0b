"""Protected items."""

from fastapi import APIRouter, Depends

from fastapi_jwt_views import AuthJWT

router = APIRouter()


@router.get("/items")
def items(Authorize: AuthJWT = Depends()):
    Authorize.jwt_required()
    return {"items": ["item1", "item2", "item3"]}
