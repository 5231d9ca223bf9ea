"""What to call after each airflow_logs answer: concrete next steps, by error category.

The knowledge of which server explains which kind of failure lives here (schema mismatch → openmetadata, late data
→ lineage, code → github, access → ownership). Arguments use the target tools' real names (docs/TOOLS.md); github
tools need `repo`, which only the OCM_AIRFLOW_LOGS_REPO setting can give: without it the github calls are described
in the prose only, never emitted as steps a client would run and fail."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from oncall_mcp.servers.airflow_logs.layout import LogKey
from oncall_mcp.servers.airflow_logs.models import AlertTarget, Attempt
from oncall_mcp.servers.airflow_logs.rank import Analysis
from oncall_mcp.shared.steps import NextStep, steps_prose

USER_FRAME = re.compile(r"^(?P<path>.+):(?P<line>\d+) in (?P<func>.+)$")
# a check that failed because the data it checks is not there (yet): that is late upstream data, not bad data
MISSING_DATA = re.compile(
    r"\(0,\)|\bcount\(\*\)\s*(?:>\s*0|>=\s*1)[\s\S]{0,400}\(False,?\)"  # `count(*) > 0` came back False
    r"|\b0 rows\b|\bno rows\b|\brow count\b.{0,40}\b0\b|\bempty\b|\bmissing\b|\bpartition\b|\bno data\b|\bNone\b",
    re.I,
)
MAX_TABLES = 20  # ownership.route_alert takes at most 20 tables
BLAME_CONTEXT = 10  # lines each side of the raising line
SEARCH_CHARS = 120  # of the error message, as a search_logs query
READ_LINES = 20  # around the root-cause line: the answer already carries the ranked lines and traceback


@dataclass
class Plan:
    """Runnable steps plus the github calls that could not be emitted because `repo` is not configured."""

    steps: list[NextStep] = field(default_factory=list)
    needs_repo: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """Advice no tool call can carry (what to look at outside the servers)."""
        self.notes.append(text)

    def add(self, server: str, tool: str, why: str, priority: int = 2, **arguments: object) -> None:
        step = NextStep(server=server, tool=tool, arguments=arguments, why=why, priority=priority)  # type: ignore[arg-type]
        if all(s.call_text() != step.call_text() for s in self.steps):
            self.steps.append(step)

    def github(self, repo: str | None, tool: str, why: str, priority: int = 2, **arguments: object) -> None:
        if repo:
            self.add("github", tool, why, priority, repo=repo, **arguments)
            return
        args = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        self.needs_repo.append(f"github.{tool}(repo=<the DAG repository>, {args}): {why}")

    def ordered(self) -> list[NextStep]:
        return sorted(self.steps, key=lambda s: s.priority)

    def prose(self) -> str:
        text = " ".join(f"{n[0].upper()}{n[1:]}." for n in self.notes)
        text = f"{text} {steps_prose(self.steps)}".strip()
        if self.needs_repo:
            extra = "; ".join(self.needs_repo)
            text += f" Also, on the github server (set OCM_AIRFLOW_LOGS_REPO to get these as runnable steps): {extra}."
        return text.strip()


def split_frame(user_frame: str | None) -> tuple[str, int] | None:
    """`/opt/airflow/dags/x.py:41 in load` → (path as the traceback gives it, line)."""
    m = USER_FRAME.match(user_frame or "")
    return (m["path"], int(m["line"])) if m else None


def failure_plan(
    key: LogKey,
    an: Analysis,
    *,
    line: int | None,
    tries: list[int],
    failed_at: str | None,
    repo: str | None,
    message: str | None,
) -> Plan:
    """The next steps of a find_failure answer, priority 1 = the call most likely to explain this failure."""
    plan = Plan()
    cat = an.category
    tables = an.identifiers.get("tables", [])
    columns = an.identifiers.get("columns", [])
    datasets = an.identifiers.get("datasets", [])
    inputs = datasets + [t for t in tables if t not in datasets]
    frame = split_frame(an.user_frame)
    task = {"dag_id": key.dag_id, "task_id": key.task_id}
    locate = {**task, "run_id": key.run_id}  # the run renders the task's SQL as it ran
    as_of = {"as_of": failed_at} if failed_at else {}
    locate_why = "the task's code and the SQL it runs (validate a corrected statement from there with trino)"

    def late_upstream(priority: int, why: str) -> None:
        for ds in inputs[:3]:
            plan.add("lineage", "find_late_upstream", why, priority, dataset=ds, **task, **as_of)

    def code_frame(priority: int) -> None:
        if frame is None:
            return
        path, n = frame
        plan.github(
            repo,
            "blame",
            f"who last changed the raising line {path}:{n} and when",
            priority,
            path=path,
            start_line=max(1, n - BLAME_CONTEXT),
            end_line=n + BLAME_CONTEXT,
        )
        plan.github(repo, "recent_changes", f"recent commits to {path}", priority, paths=[path])

    if cat == "schema_mismatch":
        bound = [t for t in an.identifiers.get("column_tables", []) if t]
        if bound and columns:
            column = columns[0].rpartition(".")[2]
            plan.add(
                "openmetadata",
                "schema_history",
                f"was column {column!r} of {bound[0]} renamed or dropped, when and by whom",
                1,
                fqn=bound[0],
                column=column,
            )
        unbound = bool(columns) and not bound  # the log names tables, but not which one holds the column
        for table in tables[:2]:
            plan.add(
                "openmetadata", "schema_history", f"recent schema changes of {table}", 3 if unbound else 2, fqn=table
            )
        if unbound:
            locate_why = (
                f"the SQL the task ran, which says which table {columns[0]!r} comes from (the log does not); then "
                "that table's schema_history"
            )
        plan.github(repo, "locate_task", locate_why, 1 if unbound else 2, **locate)
    elif cat == "syntax":
        plan.github(repo, "locate_task", locate_why, 1, **locate)
        code_frame(2)
    elif cat == "upstream_not_ready":
        late_upstream(1, "which upstream dataset/job is late for the data this task waited on")
        if not inputs:
            plan.note(
                "the log names no dataset the task waited on: find it in the task's code (github.locate_task), "
                "then ask lineage.find_late_upstream about it"
            )
            plan.github(repo, "locate_task", "the dataset or table the task waited on", 1, **locate)
        for ds in inputs[:1]:
            plan.add("ownership", "resolve_owner", f"the team that owns {ds}, to ask about the delay", 2, asset=ds)
    elif cat == "data_quality":
        missing = bool(MISSING_DATA.search(message or ""))
        late_upstream(1 if missing else 2, "whether the checked data is missing because an upstream run is late")
        plan.github(repo, "locate_task", "the check's SQL and thresholds", 2, **locate)
    elif cat == "user_code":
        code_frame(1)
        plan.github(repo, "locate_task", "the task's definition and callable", 2, **locate)
    elif cat == "permission_denied":
        for asset in inputs[:2]:
            plan.add("ownership", "resolve_owner", f"who can grant access to {asset}", 1, asset=asset)
        if not inputs:
            plan.add(
                "ownership",
                "resolve_owner",
                "who owns this task and its connection",
                1,
                asset=f"{key.dag_id}.{key.task_id}",
                kind="task",
            )
        if frame:
            plan.github(
                repo,
                "recent_changes",
                f"a recent change to {frame[0]} (role, connection id, path)",
                2,
                paths=[frame[0]],
            )
        else:
            plan.github(repo, "locate_task", "which connection/role the task uses", 2, **locate)
    elif cat in ("connection", "service_error"):
        if cat == "service_error":
            plan.note(
                "the service the task calls answered with a server error (HTTP 5xx): the fault is on its side; "
                "check its status page and whether earlier runs hit it too before changing the task"
            )
        late_upstream(2, "whether the source system's upstream is down or late")
        plan.add(
            "ownership",
            "resolve_owner",
            "who runs the system the task could not reach",
            1,
            asset=inputs[0] if inputs else f"{key.dag_id}.{key.task_id}",
            **({} if inputs else {"kind": "task"}),
        )
    elif cat == "rate_limited":
        plan.note(
            "the API throttled the task (HTTP 429, rate limit or quota): slow the requests down (concurrency, "
            "backoff honouring Retry-After) or move the schedule away from other jobs using the same quota"
        )
        code_frame(1)
        plan.github(repo, "locate_task", "the request loop: its concurrency, retries and backoff", 1, **locate)
        plan.add(
            "airflow_logs",
            "list_attempts",
            "earlier runs of this task: did they hit the limit at the same time of day",
            2 if repo else 1,
            dag_id=key.dag_id,
            task_id=key.task_id,
        )
    elif cat == "resource_missing":
        late_upstream(1, "which upstream should have produced the missing table/path, and is it late")
        for table in tables[:1]:
            plan.add("openmetadata", "get_table", f"does {table} exist (name, schema)", 2, fqn=table)
    elif cat in ("out_of_memory", "killed", "timeout", "resource_exhausted"):
        if cat == "resource_exhausted":
            plan.note(
                "the worker ran out of disk space, disk quota or file handles: check free space on its volumes "
                "(temp, spill and shuffle directories), what the task writes there, and its open-file limit"
            )
        elif cat != "timeout":
            plan.note(
                "the kill's cause is outside the task log: look for OOMKilled or eviction in the pod events or the "
                "executor/scheduler log, and at the task's memory limits"
            )
        if len(tries) > 1:
            plan.add(
                "airflow_logs",
                "compare_attempts",
                "what grew or changed versus the previous attempt (data volume, new warnings)",
                1,
                **attempt_arguments(key),
            )
        else:
            plan.add(
                "airflow_logs",
                "list_attempts",
                "earlier runs of this task, to compare with the last success",
                1,
                dag_id=key.dag_id,
                task_id=key.task_id,
            )
        plan.github(
            repo, "locate_task", "the task's resources (memory, disk, timeout) and what it loads or writes", 2, **locate
        )
    elif cat == "dependency_missing":
        plan.github(repo, "locate_task", "the task's imports and image", 1, **locate)
        code_frame(2)
    elif cat == "unknown" and frame:
        code_frame(2)
    if line:
        # the answer already carries the ranked lines and the traceback: the excerpt is context, not the next lead
        plan.add(
            "airflow_logs",
            "read_log",
            "the lines around the root cause",
            3 if plan.steps else 1,
            log_ref=key.key,
            around_line=line,
            max_lines=READ_LINES,
        )
    if an.outcome != "success":
        plan.add(
            "ownership",
            "route_alert",
            "which team should act on this failure",
            3,
            **task,
            error_category=cat,
            tables=tables[:MAX_TABLES],
        )
    if line and message:
        plan.add(
            "airflow_logs",
            "search_logs",
            "has this error happened before, and where",
            3,
            query=message[:SEARCH_CHARS],
            dag_id=key.dag_id,
        )
    return plan


def attempt_arguments(key: LogKey) -> dict[str, Any]:
    """The arguments that name one attempt to the airflow_logs tools (map_index only for a mapped task)."""
    args: dict[str, Any] = {
        "dag_id": key.dag_id,
        "run_id": key.run_id,
        "task_id": key.task_id,
        "try_number": key.try_number,
    }
    if key.map_index >= 0:
        args["map_index"] = key.map_index
    return args


def comparison_plan(
    key: LogKey, failed_line: int | None, base_ref: str | None, base_line: int | None, repo: str | None
) -> Plan:
    plan = Plan()
    plan.add(
        "airflow_logs",
        "find_failure",
        "the ranked root cause of the failed attempt",
        1,
        **attempt_arguments(key),
    )
    if failed_line:
        plan.add(
            "airflow_logs",
            "read_log",
            "context of the first line new in the failed attempt",
            2,
            log_ref=key.key,
            around_line=failed_line,
            max_lines=60,
        )
    if base_ref and base_line:
        plan.add(
            "airflow_logs",
            "read_log",
            "the baseline's line that disappeared in the failed attempt",
            3,
            log_ref=base_ref,
            around_line=base_line,
            max_lines=60,
        )
    plan.github(
        repo,
        "locate_task",
        "what changed in the task's code between the two attempts",
        3,
        dag_id=key.dag_id,
        task_id=key.task_id,
    )
    return plan


def attempts_plan(attempts: list[Attempt], repo: str | None) -> Plan:
    """After list_attempts: the root cause of the newest failed attempt, and what changed since the last success."""
    plan = Plan()
    failed = next((a for a in attempts if a.outcome in ("failed", "up_for_retry") and not a.trigger_log), None)
    if failed is None:
        return plan
    mapped = {"map_index": failed.map_index} if failed.map_index >= 0 else {}
    ids = {"dag_id": failed.dag_id, "run_id": failed.run_id, "task_id": failed.task_id}
    plan.add(
        "airflow_logs",
        "find_failure",
        f"why try {failed.try_number} of {failed.task_id} failed",
        1,
        **ids,
        try_number=failed.try_number,
        **mapped,
    )
    if any(a.outcome == "success" and a.task_id == failed.task_id for a in attempts):
        plan.add(
            "airflow_logs",
            "compare_attempts",
            "what is new in the failed attempt versus the last success",
            2,
            **ids,
            try_number=failed.try_number,
            **mapped,
        )
    return plan


def reading_plan(key: LogKey | None) -> Plan:
    """After read_log: the ranked root cause of the attempt the excerpt belongs to."""
    plan = Plan()
    if key is None or key.trigger:
        return plan
    plan.add(
        "airflow_logs",
        "find_failure",
        "the ranked root-cause lines of this attempt, with the category and where to look next",
        2,
        **attempt_arguments(key),
    )
    return plan


def alert_plan(target: AlertTarget) -> Plan:
    """After task_from_alert: the root cause when the task instance is fully named, else the listing that finds it."""
    plan = Plan()
    optional = {k: v for k, v in (("try_number", target.try_number), ("map_index", target.map_index)) if v is not None}
    if target.run_id and target.task_id:
        plan.add(
            "airflow_logs",
            "find_failure",
            "why this task instance failed: root-cause lines, category and where to look next",
            1,
            dag_id=target.dag_id,
            run_id=target.run_id,
            task_id=target.task_id,
            **optional,
        )
        return plan
    scope = {k: v for k, v in (("run_id", target.run_id), ("task_id", target.task_id)) if v}
    what = "the run of this logical date" if target.logical_date else "the run and task"
    plan.add(
        "airflow_logs",
        "list_attempts",
        f"the stored attempts, to find {what}; then find_failure on the failed one",
        1,
        dag_id=target.dag_id,
        **scope,
    )
    return plan
