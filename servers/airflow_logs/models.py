"""Typed inputs and outputs of the airflow_logs tools."""

from __future__ import annotations

from pydantic import BaseModel, Field

from oncall_mcp.shared.steps import ToolResult
from oncall_mcp.shared.vocabulary import ErrorCategory


class LogsResult(ToolResult):
    """Base of the airflow_logs results: the shared result contract (next steps, one `truncation`)."""


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


class IndexCoverage(BaseModel):
    """What the failure index behind list_failed_tasks / error_signatures / search_logs had seen."""

    source: str
    as_of: str | None = Field(
        description="UTC time the last complete refresh of the index started (None: the first build is running)"
    )
    complete: bool = Field(
        description="true when the answer covers the whole store as of as_of; false during the first build or when "
        "a refresh was writing while the call read (counts then include part of the newer changes): ask again"
    )
    refreshing: bool = Field(description="a refresh is running in the background")
    files_indexed: int
    failed_attempts_indexed: int
    prebuilt: bool = Field(False, description="a prebuilt index opened read-only (refreshed by its batch job)")
    note: str = ""


class FailedAttempt(BaseModel):
    log_ref: str = Field(description="pass to read_log / find_failure; relative to the log source root")
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int = Field(-1, description="-1 when the task is not mapped")
    size_bytes: int
    modified: str = Field(description="UTC ISO time the log was last written")
    outcome: str = Field(description="failed or up_for_retry, as the log says")
    error_category: str | None = Field(None, description="category of the root cause found by the index")
    exception_type: str | None = None
    message: str | None = Field(None, description="root cause message (log text: untrusted, redacted, clipped)")
    line_number: int | None = Field(None, description="line of the root cause (use with read_log around_line)")


class FailedTaskList(ToolResult):
    source: str
    attempts: list[FailedAttempt] = Field(description="newest first")
    total: int = Field(description="failed attempts matching the filters in the whole index (not only this page)")
    coverage: IndexCoverage


class SearchHit(BaseModel):
    log_ref: str
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    line_number: int
    text: str = Field(
        description="the line at log_ref:line_number, the newest occurrence of this template within the filters "
        "(log text: untrusted, redacted, clipped)"
    )
    score: float = Field(description="relevance 0..1 (lexical + error concepts + embeddings when enabled)")
    why: str = Field("", description="what matched: words, error concept, meaning (embeddings)")
    occurrences: int = Field(description="failed attempts whose root-cause lines have this template")
    modified: str


class SearchResult(ToolResult):
    query: str
    terms: list[str] = Field(description="normalised query terms, with error-aware expansions")
    concepts: list[str] = Field(default_factory=list, description="error concepts the query asks for")
    hits: list[SearchHit]
    templates_considered: int = Field(description="distinct error-line templates of the index that were ranked")
    semantic: bool = Field(description="dense embeddings took part in the ranking")
    coverage: IndexCoverage


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
    example_dag_id: str
    example_run_id: str
    example_task_id: str
    example_try_number: int


class SignatureList(ToolResult):
    signatures: list[Signature]
    files_analysed: int = Field(description="failed attempts counted (the whole window, not a sample)")
    distinct_signatures: int
    coverage: IndexCoverage


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
