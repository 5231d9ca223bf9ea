"""Typed answers of the lineage tools."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from oncall_mcp.shared.steps import ToolResult


class SourceStatus(BaseModel):
    source: str = Field(description="where events are read from")
    events_loaded: int
    events_skipped: int = Field(description="malformed or partial events skipped (never fatal)")
    skipped_by_reason: dict[str, int] = Field(default_factory=dict)
    datasets: int
    jobs: int
    last_read: datetime | None = None
    warnings: list[str] = Field(default_factory=list)


class Resolution(BaseModel):
    query: str
    dataset: str = Field(description="OpenLineage key namespace/name the query resolved to")
    uri: str | None = Field(None, description="object stores: the dataset's URI with its bucket (s3://bucket/key)")
    namespace: str
    name: str
    matched_by: str = Field(description="key | name | namespace_path | service_prefix | suffix")
    explanation: str


class RunInfo(BaseModel):
    run_id: str
    state: str = Field(description="START/RUNNING (in progress or lost), COMPLETE, FAIL, ABORT")
    started: datetime | None = None
    ended: datetime | None = None
    duration_seconds: float | None = None
    error: str | None = Field(None, description="errorMessage facet of a FAIL event")
    error_tail: str | None = Field(None, description="last lines of the stack trace")
    dag_run_id: str | None = None
    try_number: int | None = None


class JobSummary(BaseModel):
    job: str = Field(description="job name; Airflow tasks are dag_id.task_id")
    namespace: str
    dag_id: str
    task_id: str | None = None
    owners: list[str] = Field(default_factory=list, description="job.facets.ownership.owners[]")
    last_run: RunInfo | None = None
    recent_runs: int = 0
    recent_failures: int = 0


class GraphNode(BaseModel):
    dataset: str = Field(description="namespace/name (object stores: the URI with its bucket)")
    distance: int = Field(description="hops from the queried dataset")
    last_write: datetime | None = Field(None, description="last COMPLETE run that output it")
    written_by: list[str] = Field(default_factory=list, description="producing jobs")


class GraphEdge(BaseModel):
    source: str = Field(description="input dataset")
    target: str = Field(description="output dataset")
    job: str = Field(description="job that reads source and writes target")


class WalkResult(ToolResult):
    resolved: Resolution
    direction: str
    depth: int
    nodes: list[GraphNode] = Field(description="the queried dataset first, then this page of datasets, nearest first")
    edges: list[GraphEdge] = Field(description="edges reaching this page's datasets")
    jobs: list[JobSummary] = Field(description="jobs on the shown edges with their last run")
    total_nodes: int = Field(description="datasets found within depth (excluding the queried one)")
    total_edges: int
    deepest: int = Field(description="largest distance reached")
    more_beyond_depth: bool = Field(description="the graph continues past the requested depth")
    walk_capped: bool = Field(description="the walk stopped at the node cap")
    status: SourceStatus


class Freshness(BaseModel):
    dataset: str
    status: str = Field(description="late | on_time | unknown")
    basis: str = Field(description="expectation (a configured promise) | observed_cadence (a guess) | none")
    last_update: datetime | None = None
    expected_by: datetime | None = None
    lateness_seconds: float | None = None
    lateness: str | None = Field(None, description="human-readable lateness")
    detail: str = ""


class LateRoot(BaseModel):
    freshness: Freshness
    distance: int
    path: list[str] = Field(description="datasets from the queried one up to this root")
    producing_jobs: list[JobSummary] = Field(description="jobs writing it, last writer first")


class LateUpstreamResult(ToolResult):
    resolved: Resolution
    as_of: datetime
    verdict: str = Field(description="one-sentence answer")
    queried: Freshness
    roots: list[LateRoot] = Field(description="late datasets whose own inputs are all on time: the causes")
    late_because_of_upstream: list[Freshness] = Field(
        description="late datasets with a late input: symptoms, not causes"
    )
    datasets_checked: int
    unknown: int = Field(description="upstream datasets whose freshness cannot be judged")
    unknown_examples: list[str] = Field(default_factory=list)
    walk_capped: bool
    status: SourceStatus


class DagImpact(BaseModel):
    dag_id: str
    nearest_distance: int = Field(description="fewest hops from the queried dataset to a task of this DAG")
    tasks: list[str]
    tasks_total: int
    datasets: list[str] = Field(description="affected datasets written by these tasks")
    datasets_total: int
    owners: list[str] = Field(default_factory=list)


class ImpactResult(ToolResult):
    resolved: Resolution
    dags: list[DagImpact]
    total_dags: int
    total_jobs: int
    total_datasets: int
    walk_capped: bool
    status: SourceStatus


class JobRunsResult(ToolResult):
    job: JobSummary
    inputs: list[str]
    inputs_total: int
    outputs: list[str]
    outputs_total: int
    runs: list[RunInfo] = Field(description="newest first")
    runs_kept: int = Field(description="runs the server keeps for this job (history is capped)")
    failures_in_history: int
    status: SourceStatus
