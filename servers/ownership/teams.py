from __future__ import annotations

from rapidfuzz import fuzz, process

from servers.ownership.models import Team, TeamMatch


def find_teams(teams: list[Team], query: str, limit: int = 5) -> list[TeamMatch]:
    choices: list[tuple[str, str, Team]] = []
    for team in teams:
        choices.append((team.name, "name", team))
        choices += [(a, "alias", team) for a in team.aliases]
        choices += [(m, "member", team) for m in team.members]
        if team.slack_channel:
            choices.append((team.slack_channel, "channel", team))
    best: dict[str, TeamMatch] = {}
    hits = process.extract(query, [c[0] for c in choices], scorer=fuzz.WRatio, limit=len(choices) or 1)
    for _, score, idx in hits:
        _, kind, team = choices[idx]
        if score < 50:
            continue
        if team.name not in best or best[team.name].score < score:
            best[team.name] = TeamMatch(team=team, score=round(score, 1), matched_on=kind)
    return sorted(best.values(), key=lambda m: -m.score)[:limit]
