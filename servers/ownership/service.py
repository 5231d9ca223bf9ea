"""The tools' logic behind server.py: load the current snapshot, answer, keep the answer inside the budget."""

from __future__ import annotations

from oncall_mcp.servers.ownership.followups import FailureContext, find_team_followups, resolve_followups
from oncall_mcp.servers.ownership.models import FindTeamResult, ListAssetsResult, ResolveOwnerResult, RouteAlertResult
from oncall_mcp.servers.ownership.resolver import list_owned, resolve, team_model
from oncall_mcp.servers.ownership.routing import route
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from oncall_mcp.servers.ownership.state import OwnershipState, warnings_for
from oncall_mcp.servers.ownership.teams import find_teams
from oncall_mcp.shared.budget import clip, fit_model
from oncall_mcp.shared.errors import ToolError, not_found

MAX_NOTES = 10


def parse_cursor(cursor: str | None) -> int:
    """A cursor is the position of the first item of the page, as given in `truncation.next_cursor`."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 9:
        raise ToolError(f"cursor {cursor!r} is not one this tool gave; pass truncation.next_cursor unchanged")
    return int(cursor)


class OwnershipService:
    def __init__(self, settings: OwnershipSettings, budget_tokens: int = 2000) -> None:
        self.state = OwnershipState(settings)
        self.budget_tokens = budget_tokens

    def warm(self) -> None:
        self.state.warm()

    def resolve_owner(
        self, asset: str, kind: str = "auto", context: FailureContext | None = None
    ) -> ResolveOwnerResult:
        snap = self.state.snapshot()
        result = resolve(snap, asset, kind)
        if len(result.notes) > MAX_NOTES:
            extra = len(result.notes) - MAX_NOTES
            result.notes = [*result.notes[:MAX_NOTES], f"... {extra} more notes cut"]
        result.notes = [clip(n, 400) for n in result.notes]
        result.registry_warnings = warnings_for(snap)
        result.next_steps = resolve_followups(result, context or FailureContext())
        return fit_model(
            result,
            self.budget_tokens,
            ["agreeing", "conflicting", "notes", "registry_warnings"],
            how_to_get_more="evidence cut to the output budget; raise OCM_OWNERSHIP_OUTPUT_TOKENS to see all of it",
        )

    def route_alert(
        self, dag_id: str, task_id: str, category: str, tables: list[str], late: list[str]
    ) -> RouteAlertResult:
        snap = self.state.snapshot()
        result = route(snap, dag_id.strip(), task_id.strip(), category, tables, late)
        result.why = clip(result.why, self.budget_tokens * 2)
        for r in [*result.notify, *result.cc]:
            r.because = clip(r.because, 600)
        result.registry_warnings = warnings_for(snap)
        return fit_model(result, self.budget_tokens, ["cc", "unresolved", "registry_warnings"])

    def find_team(self, query: str, limit: int) -> FindTeamResult:
        snap = self.state.snapshot()
        result = FindTeamResult(
            query=query, matches=find_teams(snap, query, limit), registry_warnings=warnings_for(snap)
        )
        result.next_steps = find_team_followups(result)
        return fit_model(
            result,
            self.budget_tokens,
            ["matches", "registry_warnings"],
            how_to_get_more="best matches first were kept; make the query more specific",
        )

    def list_assets(self, team: str, kind: str, cursor: str | None) -> ListAssetsResult:
        offset = parse_cursor(cursor)
        snap = self.state.snapshot()
        matches = find_teams(snap, team, 5)
        exact = [m for m in matches if m.score == 100.0 and m.matched_on != "member"]
        if len(exact) != 1:
            raise not_found(
                "team",
                team,
                [m.team.name for m in matches],
                "Give a team name or alias exactly (find_team helps)",
            )
        spec = snap.registry.teams[exact[0].team.name.lower()]
        owned = list_owned(snap, spec.name)
        if kind != "auto":
            owned = [a for a in owned if a.kind == kind]
        result = ListAssetsResult(
            team=team_model(spec),
            assets=owned[offset:],
            total=len(owned),
            offset=offset,
            registry_warnings=warnings_for(snap),
        )
        fitted = fit_model(
            result,
            self.budget_tokens,
            ["assets", "registry_warnings"],
            next_cursor=lambda field, kept: str(offset + kept) if field == "assets" else None,
        )
        if fitted.truncation.next_cursor:
            fitted.truncation.how_to_get_more = (
                f"continue with cursor={fitted.truncation.next_cursor!r} "
                f"(list_assets(team={spec.name!r}, kind={kind!r}, cursor={fitted.truncation.next_cursor!r}))"
            )
        return fitted
