"""Pydantic input/output models of the ownership tools."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from oncall_mcp.shared.steps import ToolResult

Source = Literal["registry", "codeowners", "dag_file", "openlineage", "lineage_producer"]
AssetKind = Literal["table", "schema", "dag", "task", "path", "s3"]
"""`s3` is any object-store URI (s3://, gs://, abfss://, hdfs://, file://...), kept whole with its bucket."""
RecipientReason = Literal[
    "late_upstream_owner", "failed_task_owner", "table_owner", "platform_team", "fallback_team", "named_by_rule"
]


class Team(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list, description="first members (members_total says how many)")
    members_total: int = 0
    slack_channel: str | None = None
    oncall_rotation: str | None = Field(None, description="e.g. pagerduty:<schedule> or opsgenie:<schedule>")
    escalation: list[str] = Field(default_factory=list, description="who to escalate to, in order")


class TeamMatch(BaseModel):
    team: Team
    score: float = Field(description="0-100 similarity")
    matched_on: str = Field(description="what matched: name, alias, member or channel")
    matched_value: str = ""


class FindTeamResult(ToolResult):
    query: str
    matches: list[TeamMatch]
    registry_warnings: list[str] = Field(default_factory=list)


class Evidence(BaseModel):
    """One source's claim about who owns the asset."""

    source: Source
    teams: list[str] = Field(default_factory=list, description="registry teams the claim maps to")
    owners: list[str] = Field(default_factory=list, description="owners as the source wrote them")
    matched: str = Field("", description="the pattern, key or field that matched")
    location: str = Field("", description="file:line where the claim is written")
    note: str = ""


class ResolveOwnerResult(ToolResult):
    asset: str
    kind: AssetKind
    found: bool
    dag_id: str | None = Field(None, description="the DAG the asset was read as (DAG and task assets)")
    task_id: str | None = Field(None, description="the task id the asset was read as (task assets)")
    owners: list[Team] = Field(default_factory=list, description="the owning team(s)")
    unmapped_owners: list[str] = Field(
        default_factory=list, description="people/groups named by the deciding source that no registry team lists"
    )
    decided_by: Evidence | None = None
    agreeing: list[Evidence] = Field(default_factory=list)
    conflicting: list[Evidence] = Field(default_factory=list)
    confidence: float = Field(0.0, ge=0, le=1)
    confidence_label: Literal["high", "medium", "low", "none"] = "none"
    notes: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(
        default_factory=list,
        description="closest known assets when nothing matched, or the full task ids meant (did you mean)",
    )
    registry_warnings: list[str] = Field(default_factory=list)


class Recipient(BaseModel):
    team: str
    slack_channel: str | None = None
    oncall_rotation: str | None = None
    page: bool = Field(False, description="page the on-call rotation (else post in the channel)")
    escalation: list[str] = Field(default_factory=list)
    reason: RecipientReason = Field(
        description="why this team is told: owner of the late upstream, of the failed task, of a table in the error, "
        "the platform or fallback team, or named by the routing rule"
    )
    because: str = Field("", description="the reason in words: which asset and which source decided")


class RouteAlertResult(ToolResult):
    dag_id: str
    task_id: str
    error_category: str
    notify: list[Recipient] = Field(default_factory=list)
    cc: list[Recipient] = Field(default_factory=list)
    rule: str = Field(description="the routing rule that applied")
    rule_source: str = Field(description="registry file:line or built-in default")
    why: str = Field(description="one paragraph a human can paste into the alert")
    unresolved: list[str] = Field(default_factory=list, description="assets nobody owns")
    registry_warnings: list[str] = Field(default_factory=list)


class OwnedAsset(BaseModel):
    kind: AssetKind
    name: str = Field(description="exact name or pattern")
    source: Source
    location: str = ""


class ListAssetsResult(ToolResult):
    team: Team
    assets: list[OwnedAsset]
    total: int
    offset: int = Field(description="position of the first asset shown")
    registry_warnings: list[str] = Field(default_factory=list)
