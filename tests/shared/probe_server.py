"""A tiny server on the shared runtime for runtime tests: who is calling, and a tool that crashes.

Run as `python -m tests.shared.probe_server [--transport ...]`; env prefix OCM_PROBE_.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from oncall_mcp.shared.app import OncallServer
from oncall_mcp.shared.auth import current_caller
from oncall_mcp.shared.runner import run
from oncall_mcp.shared.settings import ServerSettings, load_settings, server_config


class ProbeSettings(ServerSettings):
    model_config = server_config("probe")


class Caller(BaseModel):
    caller: str


def build_server(settings: ProbeSettings | None = None) -> OncallServer:
    settings = settings or load_settings(ProbeSettings)
    server = OncallServer("probe", settings, instructions="runtime probe for tests")

    @server.tool(title="Who am I")
    def whoami() -> Caller:
        """Return the caller identity the runtime resolved for this request (bearer token's caller or local user)."""
        return Caller(caller=current_caller())

    @server.tool(title="Echo")
    def echo(text: Annotated[str, Field(description="text to send back")]) -> Caller:
        """Send `text` back in the caller field (a tool with one required argument, for conformance checks)."""
        return Caller(caller=text)

    @server.tool(title="Crash")
    def crash(text: Annotated[str, Field(description="text put into the exception message")]) -> Caller:
        """Raise an unexpected exception whose message holds `text` (to test error mapping and secret hygiene)."""
        raise RuntimeError(f"backend said: connection postgres://etl:{text}@db/dw refused")

    return server


def main() -> None:
    run("probe", build_server)


if __name__ == "__main__":
    main()
