"""Writes OpenLineage RunEvents the way Airflow's OpenLineage provider shapes them (spec 2-0-2), as JSON lines.

The one writer of lineage events: the demo sandbox, the lineage tests and the benchmarks all use it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oncall_mcp.servers.lineage.events import EVENT_TYPES

PRODUCER = "https://github.com/oncall-mcp/servers/lineage"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def dataset(namespace: str, name: str) -> dict[str, Any]:
    """An OpenLineage dataset reference."""
    return {"namespace": namespace, "name": name, "facets": {}}


def make_event(
    event_type: str,
    job: str,
    event_time: datetime | str,
    *,
    run_id: str | None = None,
    job_namespace: str = "airflow",
    inputs: Sequence[tuple[str, str]] = (),
    outputs: Sequence[tuple[str, str]] = (),
    error_message: str | None = None,
    stack_trace: str | None = None,
    owners: Sequence[str] | None = None,
    dag_id: str | None = None,
    task_id: str | None = None,
    dag_run_id: str | None = None,
    try_number: int | None = None,
    airflow_facets: bool = True,
    owner_type: str | None = None,
    producer: str = PRODUCER,
) -> dict[str, Any]:
    """Build one OpenLineage RunEvent dict the way Airflow's provider shapes it.

    `job` is `dag_id.task_id` for Airflow tasks; `inputs`/`outputs` are `(namespace, name)` pairs;
    `error_message` becomes `run.facets.errorMessage` (give it on FAIL events); `owners` becomes
    `job.facets.ownership.owners[]` (each with `owner_type` when given);
    `airflow_facets=False` leaves out the `airflow` and `parent` run facets.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"eventType must be one of {sorted(EVENT_TYPES)}")
    when = event_time if isinstance(event_time, str) else event_time.astimezone(UTC).isoformat()
    run_facets: dict[str, Any] = {}
    if error_message is not None:
        run_facets["errorMessage"] = {
            "_producer": producer,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json",
            "message": error_message,
            "programmingLanguage": "python",
            **({"stackTrace": stack_trace} if stack_trace else {}),
        }
    if airflow_facets and dag_id is None and "." in job:
        dag_id = job.split(".", 1)[0]
    if airflow_facets and dag_id is not None:
        task = task_id or (job[len(dag_id) + 1 :] if job.startswith(dag_id + ".") else job)
        run_facets["airflow"] = {
            "dag": {"dag_id": dag_id},
            "task": {"task_id": task},
            "dagRun": {"dag_id": dag_id, **({"run_id": dag_run_id} if dag_run_id else {})},
            "taskInstance": {"try_number": try_number or 1},
        }
        run_facets["parent"] = {
            "job": {"namespace": job_namespace, "name": dag_id},
            "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{dag_id}/{dag_run_id}"))},
        }
    job_facets: dict[str, Any] = {}
    if owners:
        job_facets["ownership"] = {
            "_producer": producer,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
            "owners": [{"name": o, **({"type": owner_type} if owner_type else {})} for o in owners],
        }
    return {
        "eventTime": when,
        "eventType": event_type,
        "producer": producer,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id or str(uuid.uuid4()), "facets": run_facets},
        "job": {"namespace": job_namespace, "name": job, "facets": job_facets},
        "inputs": [dataset(ns, n) for ns, n in inputs],
        "outputs": [dataset(ns, n) for ns, n in outputs],
    }


def task_run(
    job: str,
    start: datetime,
    end: datetime,
    *,
    state: str = "COMPLETE",
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """A START event and its terminal event (`COMPLETE`, `FAIL` or `ABORT`) sharing one runId."""
    run_id = kwargs.pop("run_id", None) or str(uuid.uuid4())
    error = kwargs.pop("error_message", None)
    stack = kwargs.pop("stack_trace", None)
    return [
        make_event("START", job, start, run_id=run_id, **kwargs),
        make_event(state, job, end, run_id=run_id, error_message=error, stack_trace=stack, **kwargs),
    ]


def write_events(path: Path, events: Iterable[dict[str, Any]], append: bool = True) -> int:
    """Append events as JSON lines (the format of Airflow's OpenLineage file transport); returns the count."""
    n = 0
    with path.open("a" if append else "w", encoding="utf-8") as fh:
        for event in events:
            fh.write(json.dumps(event, separators=(",", ":")) + "\n")
            n += 1
    return n
