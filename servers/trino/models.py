"""Typed tool inputs and outputs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from oncall_mcp.shared.budget import Truncation


class CheckSqlResult(BaseModel):
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


class QueryResult(BaseModel):
    engine: str
    query_id: str | None = None
    columns: list[ColumnInfo]
    rows: list[list[Any]]
    row_count: int = Field(description="rows returned here")
    truncated: bool = Field(description="more rows existed, or rows were cut for the byte/token budget")
    truncation_reason: str | None = None
    elapsed_ms: float
    sql_run: str = Field(description="the exact SQL sent to the engine")
    budget: Truncation = Field(default_factory=Truncation)


class EngineError(BaseModel):
    name: str = Field(description="engine error name/class, e.g. COLUMN_NOT_FOUND or UNRESOLVED_COLUMN.WITH_SUGGESTION")
    message: str
    line: int | None = None
    column: int | None = None
    sqlstate: str | None = None


class ValidateResult(BaseModel):
    engine: str
    valid: bool
    error: EngineError | None = Field(None, description="the engine's own error, exact text, when not valid")
    checked_sql: str = Field(description="the text the engine compiled; line/column refer to it")
    output_columns: list[ColumnInfo] = Field(default_factory=list, description="result columns when valid")


class DescribeResult(BaseModel):
    engine: str
    table: str
    columns: list[ColumnInfo]
    budget: Truncation = Field(default_factory=Truncation)


class FreshnessResult(BaseModel):
    engine: str
    table: str
    row_count: int | None
    timestamp_column: str | None = Field(None, description="the time column whose max was taken")
    max_timestamp: str | None = None
    latest_partition: str | None = Field(None, description="latest partition value when no time column was used")
    note: str = ""


class ExplainResult(BaseModel):
    engine: str
    plan: str
    truncated: bool = False


class EngineEvent(BaseModel):
    kind: str = Field(description="query (Trino), job, stage or executor (Spark)")
    id: str
    state: str
    user: str | None = None
    started: str | None = None
    ended: str | None = None
    error: str | None = Field(None, description="error name / failure reason / executor removal reason")
    detail: str | None = Field(None, description="query text, stage name, or task counts")


class RecentQueriesResult(BaseModel):
    engine: str
    source: str = Field(description="system.runtime.queries or the Spark REST API URL read")
    events: list[EngineEvent]
    budget: Truncation = Field(default_factory=Truncation)
