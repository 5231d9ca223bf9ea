"""`/healthz` (the process serves) and `/readyz` (its backend answers): unauthenticated, status only.

Load balancers and Kubernetes probe these without credentials, so they reveal nothing but a status word: no
version, no backend name, no error text (a failing readiness probe is logged on the server instead).
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from oncall_mcp.shared.app import OncallServer

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 3.0
HEADERS = {"Cache-Control": "no-store"}


async def is_ready(server: OncallServer) -> bool:
    """The server's readiness hook (`server.ready_check`, sync or async) within a time limit; True when the
    server has none (settings were loaded, so it can serve)."""
    check = server.ready_check
    if check is None:
        return True
    try:
        with anyio.fail_after(READY_TIMEOUT_S):
            if inspect.iscoroutinefunction(check):
                result = await check()
            else:  # a blocking probe runs in a worker thread; abandoned when it overruns
                result = await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
        return bool(result)
    except Exception as exc:  # TimeoutError included
        log.warning("readiness probe of %s failed: %s", server.name, type(exc).__name__)
        return False


def add_health_routes(server: OncallServer) -> None:
    """Register GET `/healthz` and `/readyz` as custom routes (the SDK serves those without auth)."""

    @server.mcp.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=HEADERS)

    @server.mcp.custom_route("/readyz", methods=["GET"])
    async def readyz(request: Request) -> Response:
        if await is_ready(server):
            return JSONResponse({"status": "ready"}, headers=HEADERS)
        return JSONResponse({"status": "not ready"}, status_code=503, headers=HEADERS)
