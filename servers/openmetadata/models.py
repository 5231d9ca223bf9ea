"""Typed tool inputs and outputs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from oncall_mcp.shared.steps import ToolResult

IncludePart = Literal["columns", "owners", "tags", "description"]
ChangeKind = Literal["added", "removed", "renamed", "type_changed"]
ColumnStatus = Literal["exists", "renamed", "removed", "never_existed"]


class ColumnOut(BaseModel):
    name: str = Field(description="column name; nested struct fields as parent.child")
    data_type: str
    description: str | None = None
    tags: list[str] = Field(default_factory=list, description="tag FQNs, e.g. PII.Sensitive")
    constraint: str | None = Field(None, description="PRIMARY_KEY, UNIQUE, NOT_NULL or NULL")
    position: int | None = Field(None, description="ordinal position (1-based)")


class Owner(BaseModel):
    name: str
    type: str = Field(description="user or team")
    display_name: str | None = None


class TableOut(ToolResult):
    fqn: str = Field(description="fully qualified name service.database.schema.table")
    resolution: str | None = Field(None, description="how a short name was resolved to this FQN")
    description: str | None = None
    table_type: str | None = None
    tier: str | None = None
    owners: list[Owner] | None = None
    tags: list[str] | None = None
    version: str | None = Field(None, description="entity version, e.g. 0.4")
    updated_at: str | None = Field(None, description="last metadata update, ISO 8601 UTC")
    updated_by: str | None = None
    column_count: int = Field(description="all columns of the table (nested fields included)")
    matching_columns: int | None = Field(None, description="columns matching column_filter, when given")
    columns: list[ColumnOut] | None = None
    column_offset: int = Field(0, description="position of the first column returned")
    source: str = Field(description="where the metadata came from")


class SearchHit(BaseModel):
    fqn: str
    description: str | None = None
    matched_on: list[str] = Field(description="name, description or the matching columns")
    column_count: int
    owners: list[str] = Field(default_factory=list)
    tier: str | None = None


class SearchOut(ToolResult):
    query: str
    total: int = Field(description="all matches")
    offset: int = Field(0, description="position of the first hit returned")
    hits: list[SearchHit]


class Suggestion(BaseModel):
    name: str
    data_type: str
    score: float = Field(description="0-100; 100 = the missing column was renamed to this one")
    reason: str
    description: str | None = None


class SuggestOut(ToolResult):
    fqn: str
    column: str = Field(description="the column as given")
    looked_up: str = Field(description="the name compared, without table alias or quotes")
    exists: bool = Field(description="the column exists in the current schema")
    history: str | None = Field(None, description="what the schema history says about this name")
    suggestions: list[Suggestion]
    note: str | None = Field(None, description="how a short table name was resolved, or why there is no suggestion")


class SchemaChange(BaseModel):
    version: str
    previous_version: str
    changed_at: str | None = None
    changed_by: str | None = None
    kind: ChangeKind
    column: str = Field(description="column name after the change (before, for removals)")
    old_name: str | None = None
    old_type: str | None = None
    new_type: str | None = None
    summary: str


class ColumnFate(BaseModel):
    """What happened to the one column asked about (`schema_history(column=...)`)."""

    column: str = Field(description="the column as looked up (table alias and quotes removed)")
    status: ColumnStatus = Field(
        description="exists = in the current schema; renamed = renamed away (see renamed_to); removed = dropped; "
        "never_existed = in no stored version"
    )
    current_name: str | None = Field(None, description="its name in the current schema, after any renames")
    renamed_to: str | None = Field(None, description="the name it was renamed to (the first rename after it)")
    version: str | None = Field(None, description="version of the rename or removal")
    changed_at: str | None = Field(None, description="when (the version's updatedAt, ISO 8601 UTC)")
    changed_by: str | None = Field(None, description="who (the version's updatedBy)")
    summary: str


class HistoryOut(ToolResult):
    fqn: str
    versions: list[str] = Field(description="versions compared, oldest first")
    column: ColumnFate | None = Field(None, description="the asked column's story, when `column` was given")
    changes: list[SchemaChange] = Field(description="newest first")
    note: str | None = None


class ColumnLink(BaseModel):
    table: str
    column: str
    hop: int = Field(description="1 = direct neighbour")
    function: str | None = Field(None, description="transformation recorded on the edge")
    via: str | None = Field(None, description="pipeline or 'SQL query' that produced the edge")


class LineageOut(ToolResult):
    fqn: str
    column: str
    upstream: list[ColumnLink]
    downstream: list[ColumnLink]
    table_level_upstream: list[str] = Field(
        default_factory=list, description="upstream tables linked without column detail"
    )
    table_level_downstream: list[str] = Field(default_factory=list)
    note: str | None = None
