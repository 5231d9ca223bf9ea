"""Next steps of the lineage tools, with concrete arguments filled from the graph.

Other servers are named by catalogue name only (`ownership`, `airflow_logs`); nothing here imports them. OpenLineage
names an Airflow task's job `dag_id.task_id`; its run facets carry the dag run id and try number used here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oncall_mcp.servers.lineage.graph import Dataset, Job, LineageGraph, Run
from oncall_mcp.servers.lineage.names import owner_asset
from oncall_mcp.shared.steps import NextStep


@dataclass(frozen=True)
class WaitingTask:
    """The Airflow task that waits on (or failed reading) the queried dataset, when the client said which."""

    dag_id: str | None = None
    task_id: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.dag_id and self.task_id)


def by_priority(steps: list[NextStep]) -> list[NextStep]:
    return sorted(steps, key=lambda s: s.priority)


def airflow_task(job: Job) -> tuple[str, str] | None:
    """(dag_id, task_id) of an Airflow task job: from its run facets, else from the `dag_id.task_id` name."""
    if job.task_id:
        return job.dag(), job.task_id
    dag, dot, task = job.name.partition(".")
    if job.dag_id is None and dot and job.namespace.lower() in ("airflow", "default") and dag and task:
        return dag, task
    return None


def resolve_owner_step(ds: Dataset, why: str, priority: int, **context: Any) -> NextStep:
    asset, kind = owner_asset(ds)
    args: dict[str, Any] = {"asset": asset}
    if kind != "auto":
        args["kind"] = kind
    return NextStep(server="ownership", tool="resolve_owner", arguments={**args, **context}, why=why, priority=priority)


def job_log_step(job: Job, priority: int) -> NextStep | None:
    """airflow_logs.find_failure for the job's last failed run when it has a dag run id, else list_attempts."""
    task = airflow_task(job)
    if task is None:
        return None
    dag_id, task_id = task
    failed = _last_failure(job)
    if failed is not None and failed.dag_run_id:
        args: dict[str, Any] = {"dag_id": dag_id, "run_id": failed.dag_run_id, "task_id": task_id}
        if failed.try_number is not None:
            args["try_number"] = failed.try_number
        why = f"the root-cause error of {job.name}'s failed run {failed.dag_run_id} from its log"
        return NextStep(server="airflow_logs", tool="find_failure", arguments=args, why=why, priority=priority)
    return NextStep(
        server="airflow_logs",
        tool="list_attempts",
        arguments={"dag_id": dag_id, "task_id": task_id},
        why=f"{job.name}'s recent attempts: whether it ran late, is still running or was never scheduled",
        priority=min(priority + 1, 3),
    )


def _last_failure(job: Job) -> Run | None:
    last = job.last_run()
    return last if last is not None and last.state == "FAIL" else None


def late_upstream_steps(
    graph: LineageGraph, roots: list[Dataset], producers: dict[int, list[Job]], waiting: WaitingTask
) -> list[NextStep]:
    """For the root late datasets: their owner (to page), why their producer is late, and routing the alert."""
    steps: list[NextStep] = []
    context: dict[str, Any] = {"found_late": True}
    if waiting.known:
        context.update(failed_dag_id=waiting.dag_id, failed_task_id=waiting.task_id)
    for n, ds in enumerate(roots[:2]):
        steps.append(
            resolve_owner_step(
                ds, f"who owns the late {ds.key}: they are the ones to page", 1 if n == 0 else 2, **context
            )
        )
    if waiting.known:
        steps.append(
            NextStep(
                server="ownership",
                tool="route_alert",
                arguments={
                    "dag_id": waiting.dag_id,
                    "task_id": waiting.task_id,
                    "error_category": "upstream_not_ready",
                    "upstream_late": [owner_asset(ds)[0] for ds in roots[:5]],
                },
                why="page the late data's owner with the waiting task's owner in copy (use the category airflow_logs "
                "gave if it is another one)",
                priority=1,
            )
        )
    jobs = producers.get(roots[0].id, []) if roots else []
    if jobs:
        producer = jobs[0]
        last = producer.last_run()
        known = last is not None and bool(last.error)  # this answer already quotes the last run's error
        steps.append(
            NextStep(
                server="lineage",
                tool="job_runs",
                arguments={"job": producer.name},
                why=f"why {producer.name}, which writes {roots[0].key}, is late: its recent runs and errors"
                + (" (the last one's error is above; this is the history)" if known else ""),
                priority=3 if known else 2,
            )
        )
        log = job_log_step(producer, 1)
        if log is not None:
            steps.append(log)
    return by_priority(steps)


def nothing_late_steps(graph: LineageGraph, start: Dataset, waiting: WaitingTask) -> list[NextStep]:
    """Nothing upstream is late, so the failure is elsewhere: back to the logs of the task that waited or failed."""
    if waiting.known:
        return [
            NextStep(
                server="airflow_logs",
                tool="list_attempts",
                arguments={"dag_id": waiting.dag_id, "task_id": waiting.task_id},
                why="no upstream is late: the waiting task's own attempts (a sensor may wait on the wrong partition)",
                priority=1,
            )
        ]
    steps: list[NextStep] = []
    readers = sorted((graph.jobs[j] for j in start.consumers), key=lambda j: j.name)
    for job in readers[:2]:
        log = job_log_step(job, 1)
        if log is not None:
            steps.append(log)
    if not steps:
        steps.append(
            NextStep(
                server="airflow_logs",
                tool="list_failed_tasks",
                arguments={},
                why=f"no upstream of {start.key} is late: find the failed task and its root-cause error instead",
                priority=1,
            )
        )
    return by_priority(steps)


def walk_steps(
    graph: LineageGraph, start: Dataset, upstream: bool, nearest: list[Dataset], consumer_dags: list[str]
) -> list[NextStep]:
    steps: list[NextStep] = []
    if upstream:
        steps.append(
            NextStep(
                server="lineage",
                tool="find_late_upstream",
                arguments={"dataset": start.key},
                why=f"which of the datasets feeding {start.key} is late, judged against its promise or cadence",
                priority=1,
            )
        )
        for ds in nearest[:2]:
            steps.append(resolve_owner_step(ds, f"who owns {ds.key}, which feeds {start.key}", 3))
        return steps
    steps.append(
        NextStep(
            server="lineage",
            tool="impact",
            arguments={"dataset": start.key},
            why=f"every DAG affected if {start.key} is late or wrong, grouped with owners",
            priority=1,
        )
    )
    steps += dag_owner_steps(consumer_dags[:2], f"reads {start.key}", 2)
    return steps


def dag_owner_steps(dag_ids: list[str], what: str, priority: int) -> list[NextStep]:
    return [
        NextStep(
            server="ownership",
            tool="resolve_owner",
            arguments={"asset": dag_id, "kind": "dag"},
            why=f"who owns DAG {dag_id}, which {what}: the team to warn",
            priority=priority if n == 0 else min(priority + 1, 3),
        )
        for n, dag_id in enumerate(dict.fromkeys(dag_ids))
    ]


def job_steps(graph: LineageGraph, job: Job) -> list[NextStep]:
    steps: list[NextStep] = []
    log = job_log_step(job, 1)
    if log is not None:
        steps.append(log)
    task = airflow_task(job)
    steps.append(
        NextStep(
            server="ownership",
            tool="resolve_owner",
            arguments={"asset": f"{task[0]}.{task[1]}", "kind": "task"} if task else {"asset": job.name},
            why=f"who owns {job.name}",
            priority=2,
        )
    )
    last = job.last_run()
    if job.inputs and (last is None or last.state != "COMPLETE"):
        first = sorted((graph.datasets[i] for i in job.inputs), key=lambda d: d.key)[0]
        args: dict[str, Any] = {"dataset": first.key}
        if task:
            args.update(dag_id=task[0], task_id=task[1])
        steps.append(
            NextStep(
                server="lineage",
                tool="find_late_upstream",
                arguments=args,
                why=f"whether data {job.name} reads is late",
                priority=2,
            )
        )
    return by_priority(steps)
