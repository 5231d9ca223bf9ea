from __future__ import annotations

from pydantic import BaseModel, Field


class Team(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    slack_channel: str | None = None
    oncall_rotation: str | None = None
    escalation: list[str] = Field(default_factory=list)


class TeamMatch(BaseModel):
    team: Team
    score: float = Field(description="0-100 similarity")
    matched_on: str = Field(description="what matched: name, alias, member or channel")


class FindTeamResult(BaseModel):
    query: str
    matches: list[TeamMatch]
