"""Logging in."""

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from fastapi_jwt_views import AuthJWT

router = APIRouter()


class User(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(user: User, Authorize: AuthJWT = Depends()):
    if user.username != "test" or user.password != "test":
        raise HTTPException(status_code=401, detail="Bad username or password")
    access_token = Authorize.create_access_token(subject=user.username)
    return {"access_token": access_token}
