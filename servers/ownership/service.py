"""The tools' logic behind server.py: load the current snapshot, answer, keep the answer inside the budget."""

from __future__ import annotations

from oncall_mcp.servers.ownership.models import FindTeamResult, ListAssetsResult, ResolveOwnerResult, RouteAlertResult
from oncall_mcp.servers.ownership.resolver import list_owned, resolve, team_model
from oncall_mcp.servers.ownership.routing import route
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from oncall_mcp.servers.ownership.state import OwnershipState, warnings_for
from oncall_mcp.servers.ownership.teams import find_teams
from oncall_mcp.shared.budget import clip, estimate_tokens, fit
from oncall_mcp.shared.errors import not_found

MAX_NOTES = 10


class OwnershipService:
    def __init__(self, settings: OwnershipSettings, budget_tokens: int = 2000) -> None:
        self.state = OwnershipState(settings)
        self.budget = budget_tokens

    def warm(self) -> None:
        self.state.warm()

    def resolve_owner(self, asset: str, kind: str = "auto") -> ResolveOwnerResult:
        snap = self.state.snapshot()
        result = resolve(snap, asset, kind)
        if len(result.notes) > MAX_NOTES:
            extra = len(result.notes) - MAX_NOTES
            result.notes = [*result.notes[:MAX_NOTES], f"... {extra} more notes cut"]
        result.notes = [clip(n, 400) for n in result.notes]
        result.registry_warnings = warnings_for(snap)
        while estimate_tokens(result.model_dump_json()) > self.budget and (result.agreeing or result.notes):
            if result.notes:
                result.notes.pop()
            else:
                result.agreeing.pop()
        return result

    def route_alert(
        self, dag_id: str, task_id: str, category: str, tables: list[str], late: list[str]
    ) -> RouteAlertResult:
        snap = self.state.snapshot()
        result = route(snap, dag_id.strip(), task_id.strip(), category, tables, late)
        result.why = clip(result.why, self.budget * 2)
        for r in [*result.notify, *result.cc]:
            r.because = clip(r.because, 600)
        result.registry_warnings = warnings_for(snap)
        return result

    def find_team(self, query: str, limit: int) -> FindTeamResult:
        snap = self.state.snapshot()
        matches = find_teams(snap, query, limit)
        kept, _ = fit(matches, self.budget - 200, size=lambda m: estimate_tokens(m.model_dump_json()))
        return FindTeamResult(query=query, matches=kept, registry_warnings=warnings_for(snap))

    def list_assets(self, team: str, kind: str, offset: int) -> ListAssetsResult:
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
        total = len(owned)
        page = owned[offset:]
        kept, trunc = fit(
            page,
            self.budget - 400,
            size=lambda a: estimate_tokens(a.model_dump_json()),
            how_to_get_more=f"call list_assets(team={spec.name!r}, kind={kind!r}, offset=N) with a higher offset",
        )
        if trunc.truncated:
            trunc.how_to_get_more = trunc.how_to_get_more.replace("offset=N", f"offset={offset + len(kept)}")
        return ListAssetsResult(
            team=team_model(spec),
            assets=kept,
            total=total,
            offset=offset,
            truncation=trunc,
            registry_warnings=warnings_for(snap),
        )
