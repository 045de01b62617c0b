"""Every error leaves the API as an openEO error body: one table, one renderer."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from processes.exceptions import (
    BadRequest,
    Internal,
    MethodNotAllowed,
    NotFound,
    OpenEOError,
    ParameterInvalid,
    ServiceUnavailable,
)
from stac.pool import DATABASE_DOWN_ERRORS

log = logging.getLogger("canopy.errors")


def error_body(exc: OpenEOError, *, stac: bool = False) -> dict:
    """The openEO error document (plus STAC's ``description`` under /stac)."""
    body = {"id": uuid.uuid4().hex, "code": exc.code, "message": exc.message, "links": []}
    if stac:  # STAC API clients read `description`; openEO clients read `message`
        body["description"] = exc.message
    return body


def error_response(exc: OpenEOError, request: Request | None = None) -> JSONResponse:
    """Render ``exc`` with its HTTP status."""
    on_stac = bool(request and request.scope.get("root_path", "").endswith("/stac"))
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(error_body(exc, stac=on_stac), status_code=exc.status, headers=headers)


def _from_http_exception(exc: StarletteHTTPException, request: Request) -> OpenEOError:
    if exc.status_code == 404:
        return NotFound(path=request.url.path)
    if exc.status_code == 405:
        return MethodNotAllowed(method=request.method, path=request.url.path)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    error = BadRequest(reason=detail) if exc.status_code < 500 else Internal(reason=detail)
    error.status = exc.status_code  # keep the status the framework chose (e.g. 415)
    return error


def _from_validation_error(exc: RequestValidationError) -> OpenEOError:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
        problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    first = exc.errors()[0].get("loc", ("?",))[-1] if exc.errors() else "request"
    return ParameterInvalid(parameter=first, reason="; ".join(problems))


def install_error_handlers(app: FastAPI, status_codes: dict[type[Exception], int] | None = None):
    """Install the handlers that turn every failure into an openEO error body.

    Args:
        app: the application (also used for the mounted STAC app).
        status_codes: extra exception classes of a library mapped to HTTP statuses
            (e.g. stac-fastapi's NotFoundError → 404), rendered with their class name as code.
    """

    async def on_openeo_error(request: Request, exc: OpenEOError) -> JSONResponse:
        return error_response(exc, request)

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(_from_http_exception(exc, request), request)

    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_from_validation_error(exc), request)

    async def on_database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unreachable on %s: %s", request.url.path, exc)
        reason = "the catalogue database cannot be reached; try again later"
        return error_response(ServiceUnavailable(reason=reason), request)

    app.add_exception_handler(OpenEOError, on_openeo_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    for exc_type in DATABASE_DOWN_ERRORS:
        app.add_exception_handler(exc_type, on_database_down)
    for exc_type, status in (status_codes or {}).items():
        app.add_exception_handler(exc_type, _library_handler(status))


def _library_handler(status: int):
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        error = (NotFound if status == 404 else BadRequest if status < 500 else Internal)(
            str(exc) or type(exc).__name__
        )
        error.status = status
        return error_response(error, request)

    return handler


class CatchAllMiddleware:
    """Last line of defence: an unexpected exception becomes a 500 openEO body, no traceback.

    Sits inside the CORS middleware, so even these responses carry CORS headers (Starlette's
    own ServerErrorMiddleware sits outside CORS and would drop them).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            error_id = uuid.uuid4().hex
            log.exception("unhandled error %s on %s %s", error_id, scope["method"], scope["path"])
            if started:  # a sub-app already answered; nothing more can be sent
                return
            error = Internal(reason=f"unexpected {type(exc).__name__} (error id {error_id})")
            await error_response(error)(scope, receive, send)
