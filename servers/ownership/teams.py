"""find_team: exact hits first, then rapidfuzz over team names, aliases, members and channels."""

from __future__ import annotations

from oncall_mcp.servers.ownership.fuzzy import FuzzyIndex
from oncall_mcp.servers.ownership.identity import owner_keys
from oncall_mcp.servers.ownership.models import TeamMatch
from oncall_mcp.servers.ownership.resolver import team_model
from oncall_mcp.servers.ownership.state import Snapshot

MIN_SCORE = 50


def _choices(snap: Snapshot) -> tuple[FuzzyIndex, list[tuple[str, str, str]]]:
    if "team_choices" not in snap.cache:
        labels: list[tuple[str, str, str]] = []  # (team, matched_on, value)
        for team in snap.registry.loaded.spec.teams:
            labels.append((team.name, "name", team.name))
            labels += [(team.name, "alias", a) for a in team.aliases]
            labels += [(team.name, "member", m) for m in team.members]
            if team.slack_channel:
                labels.append((team.name, "channel", team.slack_channel))
        snap.cache["team_choices"] = (FuzzyIndex([v for _, _, v in labels]), labels)
    return snap.cache["team_choices"]


def find_teams(snap: Snapshot, query: str, limit: int = 5) -> list[TeamMatch]:
    reg = snap.registry
    best: dict[str, TeamMatch] = {}
    for table, kind in ((reg.identity.team_keys, "name/alias/channel"), (reg.identity.member_keys, "member")):
        for key in owner_keys(query):
            for team in sorted(table.get(key, ())):
                if team not in best:
                    best[team] = TeamMatch(
                        team=team_model(reg.teams[team.lower()]), score=100.0, matched_on=kind, matched_value=query
                    )
    if not best:  # an exact name, alias, channel or member answers the question; no fuzzy noise
        index, labels = _choices(snap)
        for idx, score in index.search(query, limit * 4, MIN_SCORE):
            team, kind, value = labels[idx]
            if team not in best or best[team].score < score:
                best[team] = TeamMatch(
                    team=team_model(reg.teams[team.lower()]),
                    score=round(score, 1),
                    matched_on=kind,
                    matched_value=value,
                )
    return sorted(best.values(), key=lambda m: (-m.score, m.team.name))[:limit]
