"""The baseline for bench/api.py: a bare Starlette app on the same uvicorn stack."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_BODY = b'{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"hello"},"data":{"k":"v"}}'


async def hello(request: Request) -> Response:
    return Response(_BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", hello)])
