"""Map owner strings written by sources (`@org/team`, `@user`, emails, `team:x`, Airflow owners) to registry teams."""

from __future__ import annotations

from dataclasses import dataclass, field

from oncall_mcp.servers.ownership.registry import TeamSpec

_PREFIXES = ("team:", "user:", "group:", "slack:", "email:", "mailto:")


def norm(value: str) -> str:
    return value.strip().lower().lstrip("@#")


def owner_keys(raw: str) -> list[str]:
    """Lookup keys for one owner string, most literal first."""
    s = raw.strip().lower()
    keys = [s.lstrip("@#")]
    for prefix in _PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :]
            keys.append(s.lstrip("@#"))
            break
    last = keys[-1]
    if "/" in last:
        keys.append(last.rsplit("/", 1)[1])
    if "@" in last and not last.startswith("@"):
        keys.append(last.split("@", 1)[0])
    return [k for k in dict.fromkeys(keys) if k]


@dataclass
class Identity:
    team_keys: dict[str, set[str]] = field(default_factory=dict)  # team name, alias, channel -> team
    member_keys: dict[str, set[str]] = field(default_factory=dict)  # member -> teams
    ignored: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, teams: list[TeamSpec], ignore: list[str]) -> Identity:
        ident = cls(ignored={norm(i) for i in ignore})
        for team in teams:
            for key in [team.name, *team.aliases, *([team.slack_channel] if team.slack_channel else [])]:
                ident.team_keys.setdefault(norm(key), set()).add(team.name)
            for member in team.members:
                ident.member_keys.setdefault(norm(member), set()).add(team.name)
        return ident

    def teams_of(self, owner: str) -> set[str]:
        keys = owner_keys(owner)
        for table in (self.team_keys, self.member_keys):
            for key in keys:
                if key in table:
                    return table[key]
        return set()

    def is_ignored(self, owner: str) -> bool:
        return norm(owner) in self.ignored

    def map(self, owners: list[str]) -> tuple[list[str], list[str], list[str]]:
        """(teams, unmapped owners, ignored placeholder owners)."""
        teams: list[str] = []
        unmapped: list[str] = []
        ignored: list[str] = []
        for owner in owners:
            if self.is_ignored(owner):
                ignored.append(owner)
                continue
            found = self.teams_of(owner)
            if found:
                teams += sorted(t for t in found if t not in teams)
            else:
                unmapped.append(owner)
        return teams, unmapped, ignored
