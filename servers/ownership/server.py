"""ownership MCP server: tool declarations only."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from servers.ownership.models import FindTeamResult
from servers.ownership.registry import RegistryError, load_registry
from servers.ownership.settings import OwnershipSettings
from servers.ownership.teams import find_teams
from shared.app import OncallServer
from shared.errors import ToolError
from shared.settings import load_settings

INSTRUCTIONS = "Answers who owns a table, DAG, file or S3 prefix and whom to page for an alert."


def build_server(settings: OwnershipSettings | None = None) -> OncallServer:
    settings = settings or load_settings(OwnershipSettings)
    server = OncallServer("ownership", settings, instructions=INSTRUCTIONS)

    @server.tool(title="Find a team")
    def find_team(
        query: Annotated[str, Field(min_length=1, max_length=200, description="team name, alias, member or channel")],
        limit: Annotated[int, Field(ge=1, le=50)] = 5,
    ) -> FindTeamResult:
        """Find teams by fuzzy match on name, aliases, members and Slack channel.

        Use when you have a team or person name from an alert, a CODEOWNERS line or a DAG owner and need the
        team's channel and on-call rotation."""
        try:
            registry = load_registry(settings.registry)
        except RegistryError as exc:
            raise ToolError(str(exc)) from None
        return FindTeamResult(query=query, matches=find_teams(registry.teams, query, limit))

    return server
