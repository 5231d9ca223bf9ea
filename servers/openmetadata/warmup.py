"""Run a tool body once the SDK is importable, telling the client about the wait.

The SDK import takes 5-10 s once per process (see sdk.py). It is preloaded in the background after start, so a
call that arrives later does not wait at all; a call that arrives earlier waits for the import, and meanwhile sends
MCP progress notifications (when the client asked for them with a progress token) so that clients with a short
request timeout that reset it on progress keep waiting."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from mcp.server.mcpserver import Context

from oncall_mcp.servers.openmetadata import sdk
from oncall_mcp.shared.app import areport_progress
from oncall_mcp.shared.errors import ToolError

T = TypeVar("T")
PROGRESS_EVERY_S = 1.0
WAIT_MESSAGE = "loading the OpenMetadata SDK (once per process, about 5-10 s)"


async def wait_for_sdk(ctx: Context[Any, Any] | None) -> None:
    """Return once the SDK is loaded; report progress every second while waiting."""
    if sdk.loaded():
        return
    done = anyio.Event()

    async def tick() -> None:
        ticks = 0
        while not done.is_set():
            # through the shared progress channel, so the runtime's heartbeat knows the tool is speaking for itself
            await areport_progress(f"{WAIT_MESSAGE}: {ticks * PROGRESS_EVERY_S:.0f} s so far")
            ticks += 1
            with anyio.move_on_after(PROGRESS_EVERY_S):
                await done.wait()

    async with anyio.create_task_group() as tg:
        tg.start_soon(tick)
        try:
            await anyio.to_thread.run_sync(sdk.load)
        except ToolError:
            pass  # not importable: the tool body reports it in its own words (or works without the SDK)
        finally:
            done.set()


async def run_when_ready(ctx: Context[Any, Any] | None, needs_sdk: bool, fn: Callable[..., T], **kwargs: Any) -> T:
    """`fn(**kwargs)` in a worker thread, after the SDK is loaded when the call needs it."""
    if needs_sdk:
        await wait_for_sdk(ctx)
    return await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))
