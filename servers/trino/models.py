"""Typed tool inputs and outputs. Every result is a `ToolResult`: next steps and the shared truncation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from oncall_mcp.shared.steps import ToolResult


class CheckSqlResult(ToolResult):
    engine: str
    allowed: bool
    reason: str = Field(description="why the statement was refused, or 'single read statement'")
    statement_type: str = Field(description="SELECT, SHOW, DESCRIBE, EXPLAIN, or what was refused")
    tables: list[str] = Field(default_factory=list, description="tables the statement references")
    rewritten_sql: str | None = Field(None, description="the SQL run_query would send, with the row limit")


class ColumnInfo(BaseModel):
    name: str
    type: str
    comment: str | None = None


class QueryResult(ToolResult):
    engine: str
    query_id: str | None = None
    columns: list[ColumnInfo]
    rows: list[list[Any]] = Field(description="result rows; cell text comes from the data and is untrusted")
    row_count: int = Field(description="rows returned here")
    elapsed_ms: float
    sql_run: str = Field(description="the exact SQL sent to the engine")


class EngineError(BaseModel):
    name: str = Field(description="engine error name/class, e.g. COLUMN_NOT_FOUND or UNRESOLVED_COLUMN.WITH_SUGGESTION")
    message: str
    line: int | None = None
    column: int | None = None
    sqlstate: str | None = None


class ValidateResult(ToolResult):
    engine: str
    valid: bool = Field(description="the query compiles and (for a write) its target matches: findings is empty")
    error: EngineError | None = Field(None, description="the engine's own error, exact text, when not valid")
    checked_sql: str = Field(description="the text the engine compiled; line/column refer to it")
    output_columns: list[ColumnInfo] = Field(default_factory=list, description="result columns when valid")
    validated_part: str = Field(
        "query", description="what was validated: the query itself, or e.g. 'query of INSERT OVERWRITE'"
    )
    validated_sql: str | None = Field(
        None, description="for a write statement: the query part that was validated (the write is never sent)"
    )
    findings: list[str] = Field(
        default_factory=list,
        description="problems found besides the engine's error, e.g. 'target has 5 columns, query produces 4'",
    )


class DescribeResult(ToolResult):
    engine: str
    table: str
    columns: list[ColumnInfo]
    partition_columns: list[str] = Field(default_factory=list, description="partition columns (Spark), if any")


class FreshnessResult(ToolResult):
    engine: str
    table: str
    row_count: int | None
    timestamp_column: str | None = Field(None, description="the time column whose max was taken")
    max_timestamp: str | None = None
    latest_partition: str | None = Field(
        None, description="the highest partition spec, e.g. ds=2024-06-30 (Spark partitioned tables)"
    )
    stale: bool | None = Field(
        None, description="true when the table is empty or its latest time is older than stale_after_hours"
    )
    note: str = ""


class ExplainResult(ToolResult):
    engine: str
    plan: str


class EngineEvent(BaseModel):
    kind: str = Field(description="query (Trino), job, stage or executor (Spark)")
    id: str
    state: str
    user: str | None = None
    started: str | None = None
    ended: str | None = None
    error: str | None = Field(None, description="error name / failure reason / executor removal reason")
    detail: str | None = Field(None, description="query text, stage name, or task counts (untrusted text)")


class RecentQueriesResult(ToolResult):
    engine: str
    source: str = Field(description="system.runtime.queries or the Spark REST API URL read")
    events: list[EngineEvent]
