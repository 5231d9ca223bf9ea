"""Typed inputs and outputs of the airflow_logs tools."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from oncall_mcp.shared.budget import Truncation
from oncall_mcp.shared.steps import ToolResult
from oncall_mcp.shared.vocabulary import ErrorCategory


class LogsResult(ToolResult):
    """Base of the airflow_logs results.

    Transitional: builders that still pass the old flat `truncated` / `how_to_get_more` keywords (history.py, being
    rebuilt on an index) get them folded into `truncation`; the client only ever sees `truncation`."""

    @model_validator(mode="before")
    @classmethod
    def _fold_flat_truncation(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("truncated" in data or "how_to_get_more" in data):
            data = dict(data)
            cut = bool(data.pop("truncated", False))
            hint = str(data.pop("how_to_get_more", "") or "")
            if "truncation" not in data:
                reason: Literal["limit", "size"] = "limit" if "limit" in hint else "size"
                data["truncation"] = Truncation(truncated=cut, reason=reason if cut else None, how_to_get_more=hint)
        return data


class Attempt(BaseModel):
    log_ref: str = Field(description="pass to read_log / find_failure; relative to the log source root")
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int = Field(-1, description="-1 when the task is not mapped")
    size_bytes: int
    modified: str = Field(description="UTC ISO time the log was last written")
    outcome: str = Field(description="failed, up_for_retry, success, skipped, deferred or unknown, as the log says")
    trigger_log: bool = Field(False, description="a triggerer (deferral) log of this attempt")


class AttemptList(LogsResult):
    source: str
    attempts: list[Attempt]


class RootCauseLine(BaseModel):
    line_number: int = Field(description="1-based line number in the log file (use with read_log)")
    text: str = Field(description="the line; Airflow 3 JSON lines are rendered as `[level logger] event | Exc: msg`")
    score: float
    reason: str = Field(description="why this line ranks here")
    repeats: int = Field(1, description="identical lines (ids/numbers masked) collapsed into this one")
    last_line_number: int | None = Field(None, description="last repeat, when repeats > 1")


class Identifiers(BaseModel):
    trino_query_ids: list[str] = Field(default_factory=list)
    spark_application_ids: list[str] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list, description="tables named in the error or the SQL run")
    columns: list[str] = Field(default_factory=list, description="columns named in the error")
    sql_files: list[str] = Field(default_factory=list)
    datasets: list[str] = Field(
        default_factory=list, description="object-store datasets named (s3://bucket/path, partition and file cut off)"
    )


class FailureReport(LogsResult):
    log_ref: str
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int
    attempts_present: list[int] = Field(description="try numbers stored for this task instance")
    outcome: str = Field(description="failed, up_for_retry, success, skipped, deferred or unknown, as the log says")
    error_category: ErrorCategory
    cause_in_log: bool = Field(description="false when the log only shows the effect (SIGKILL, OOM kill, eviction)")
    summary: str = Field(description="one sentence for the on-call engineer")
    operator_hint: str | None = None
    exception_type: str | None = Field(None, description="root exception class (root of the chain)")
    message: str | None = Field(None, description="root exception message or the top line")
    wrapped_by: str | None = Field(None, description="outermost exception when the root was wrapped")
    root_cause_lines: list[RootCauseLine] = Field(description="best first")
    traceback_tail: list[str] = Field(default_factory=list)
    user_frame: str | None = Field(None, description="innermost frame in the task's own code: file:line in function")
    identifiers: Identifiers
    bytes_scanned: int
    lines_total: int
    failed_at: str | None = Field(None, description="UTC ISO time of the root-cause line, when the log gives one")
    warnings: list[str] = Field(default_factory=list)


class LogLine(BaseModel):
    line_number: int
    text: str


class LogExcerpt(LogsResult):
    log_ref: str
    lines: list[LogLine]
    first_line: int
    last_line: int
    eof: bool = Field(description="true when the excerpt reaches the end of the file")


class SearchHit(BaseModel):
    log_ref: str
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    line_number: int
    text: str
    score: float
    occurrences: int = Field(description="lines with the same masked template across the searched logs")
    modified: str


class SearchResult(LogsResult):
    query: str
    terms: list[str] = Field(description="normalised query terms, with error-aware expansions")
    hits: list[SearchHit]
    files_searched: int
    bytes_scanned: int


class Signature(BaseModel):
    template: str = Field(description="error text with ids, numbers and timestamps masked")
    error_category: ErrorCategory
    exception_type: str | None
    count: int = Field(description="failed attempts whose top root cause has this template")
    first_seen: str
    last_seen: str
    dag_ids: list[str]
    task_ids: list[str]
    example_log_ref: str
    example_line_number: int


class SignatureList(LogsResult):
    signatures: list[Signature]
    files_analysed: int


class DiffLine(BaseModel):
    line_number: int
    text: str
    repeats: int
    score: float


class AttemptComparison(LogsResult):
    failed_log_ref: str
    baseline_log_ref: str | None = Field(description="the previous successful (or previous) attempt compared with")
    baseline_outcome: str | None
    failed_outcome: str
    new_in_failed: list[DiffLine] = Field(description="warning/error templates only in the failed attempt, best first")
    gone_in_failed: list[DiffLine] = Field(description="templates of the baseline missing from the failed attempt")
    lines_failed: int
    lines_baseline: int | None
    warnings: list[str] = Field(default_factory=list)


class AlertTarget(LogsResult):
    dag_id: str
    run_id: str | None = Field(None, description="None when the alert names only a logical date (Airflow 2 /log)")
    task_id: str | None = None
    try_number: int | None = Field(
        None, description="None when the alert does not say; find_failure then uses the latest"
    )
    map_index: int | None = Field(None, description="None when the task is not mapped or the alert does not say")
    logical_date: str | None = Field(None, description="execution_date/logical_date the link gives instead of a run_id")
    airflow_version: str | None = Field(None, description="2 or 3, from the link's shape")
    link: str | None = Field(None, description="the Airflow UI link the fields came from (parsed, never fetched)")
