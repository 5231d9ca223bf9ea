"""The probe server plus a tool that writes (so scopes can be tested) and one that shows the OAuth identity.

Run as `python -m tests.e2e.oauth_probe [--transport ...]`; env prefix OCM_PROBE_.
"""

from __future__ import annotations

from pydantic import BaseModel

from oncall_mcp.shared.app import OncallServer
from oncall_mcp.shared.auth import caller_identity, current_caller
from oncall_mcp.shared.runner import run
from tests.shared.probe_server import build_server


class Identity(BaseModel):
    caller: str
    identity: dict[str, str] | None


class Note(BaseModel):
    saved: str


def build() -> OncallServer:
    server = build_server()

    @server.tool(title="Who am I, in full")
    def identity() -> Identity:
        """Return the caller name and, for an OAuth caller, the sub/username/email/client_id/iss of its token."""
        return Identity(caller=current_caller(), identity=caller_identity())

    @server.tool(title="Write a note", read_only=False, idempotent=True)
    def write_note(text: str) -> Note:
        """Pretend to write `text` somewhere (a write tool: needs the write scope from an OAuth caller)."""
        return Note(saved=text)

    return server


if __name__ == "__main__":
    run("probe", build)
