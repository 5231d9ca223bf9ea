"""Typed tool inputs and outputs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from oncall_mcp.shared.budget import Truncation

IncludePart = Literal["columns", "owners", "tags", "description"]
ChangeKind = Literal["added", "removed", "renamed", "type_changed"]


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


class TableOut(BaseModel):
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
    column_offset: int = 0
    next_column_offset: int | None = Field(None, description="pass as column_offset to get the next page")
    truncation: Truncation = Field(default_factory=Truncation)
    source: str = Field(description="where the metadata came from")


class SearchHit(BaseModel):
    fqn: str
    description: str | None = None
    matched_on: list[str] = Field(description="name, description or the matching columns")
    column_count: int
    owners: list[str] = Field(default_factory=list)
    tier: str | None = None


class SearchOut(BaseModel):
    query: str
    total: int = Field(description="all matches")
    hits: list[SearchHit]
    next_offset: int | None = Field(None, description="pass as offset for more results")
    truncation: Truncation = Field(default_factory=Truncation)


class Suggestion(BaseModel):
    name: str
    data_type: str
    score: float = Field(description="0-100; 100 = the missing column was renamed to this one")
    reason: str
    description: str | None = None


class SuggestOut(BaseModel):
    fqn: str
    column: str = Field(description="the column as given")
    looked_up: str = Field(description="the name compared, without table alias or quotes")
    exists: bool = Field(description="the column exists in the current schema")
    history: str | None = Field(None, description="what the schema history says about this name")
    suggestions: list[Suggestion]
    next_step: str


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


class HistoryOut(BaseModel):
    fqn: str
    versions: list[str] = Field(description="versions compared, oldest first")
    changes: list[SchemaChange] = Field(description="newest first")
    truncation: Truncation = Field(default_factory=Truncation)
    note: str | None = None


class ColumnLink(BaseModel):
    table: str
    column: str
    hop: int = Field(description="1 = direct neighbour")
    function: str | None = Field(None, description="transformation recorded on the edge")
    via: str | None = Field(None, description="pipeline or 'SQL query' that produced the edge")


class LineageOut(BaseModel):
    fqn: str
    column: str
    upstream: list[ColumnLink]
    downstream: list[ColumnLink]
    table_level_upstream: list[str] = Field(
        default_factory=list, description="upstream tables linked without column detail"
    )
    table_level_downstream: list[str] = Field(default_factory=list)
    truncation: Truncation = Field(default_factory=Truncation)
    note: str | None = None
