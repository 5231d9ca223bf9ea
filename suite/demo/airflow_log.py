"""Writes task logs in Airflow 3's JSON-lines format (as produced by Airflow 3.3's structlog task logger).

The one writer of that format: the demo sandbox uses `TaskLog`; the benchmark corpus (bench/logcorpus) renders its
records with `timestamp`, `json_line`, `error_detail`, `SITE` and `RUNNER_FRAMES` from here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

SITE = "/home/airflow/.local/lib/python3.11/site-packages"
RUNNER_FRAMES = [
    (f"{SITE}/airflow/sdk/execution_time/task_runner.py", 1579, "_run_task_and_map_outcome"),
    (f"{SITE}/airflow/sdk/execution_time/task_runner.py", 197, "wrapper"),
    (f"{SITE}/airflow/sdk/execution_time/task_runner.py", 2234, "_execute_task"),
    (f"{SITE}/airflow/sdk/execution_time/task_runner.py", 2192, "_run_execute_callable"),
    (f"{SITE}/airflow/sdk/bases/operator.py", 462, "wrapper"),
]

Frames = list[tuple[str, int, str]]  # (filename, lineno, function name)


def timestamp(when: datetime) -> str:
    """The `timestamp` field: UTC with microseconds and a `Z`."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_line(record: dict[str, Any]) -> str:
    """One record as a log line: compact JSON, non-ASCII kept as is."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def error_detail(exc_type: str, exc_value: str, frames: Frames, is_cause: bool = False) -> dict[str, Any]:
    """One exception of the structured `error_detail` list (outermost first; causes flagged `is_cause`)."""
    return {
        "exc_type": exc_type,
        "exc_value": exc_value,
        "exc_notes": [],
        "syntax_error": None,
        "is_cause": is_cause,
        "frames": [{"filename": f, "lineno": n, "name": name} for f, n, name in frames],
        "is_group": False,
        "exceptions": [],
    }


class TaskLog:
    """One attempt's log file; `emit` appends a line with the task context Airflow adds."""

    def __init__(self, dag_id: str, run_id: str, task_id: str, try_number: int, start: datetime, ti_id: str) -> None:
        self.ctx = {
            "dag_id": dag_id,
            "try_number": try_number,
            "run_id": run_id,
            "task_id": task_id,
            "ti_id": ti_id,
            "map_index": -1,
        }
        self.now = start
        self.lines: list[str] = []
        self.gold_line = 0

    def emit(
        self,
        level: str,
        event: str,
        logger: str = "task",
        filename: str | None = "task_runner.py",
        lineno: int | None = 1073,
        step_ms: int = 7,
        context: bool = True,
        **extra: Any,
    ) -> int:
        """Append a line; returns its 1-based line number."""
        self.now += timedelta(milliseconds=step_ms)
        rec: dict[str, Any] = {"timestamp": timestamp(self.now), "level": level, "event": event}
        if context:
            rec.update(self.ctx)
        rec["logger"] = logger
        if filename is not None:
            rec["filename"] = filename
            rec["lineno"] = lineno
        rec.update(extra)
        self.lines.append(json_line(rec))
        return len(self.lines)

    def preamble(self, dag_file: str, operator_logger: str) -> None:
        self.emit("info", "::group::Pre Execute", context=False, lineno=2412)
        self.emit(
            "info",
            "DAG bundles loaded: dags-folder",
            logger="airflow.dag_processing.bundles.manager.DagBundlesManager",
            filename="manager.py",
            lineno=304,
        )
        self.emit(
            "info",
            f"Filling up the DagBag from /opt/airflow/dags/{dag_file}",
            logger="airflow.dag_processing.dagbag.BundleDagBag",
            filename="dagbag.py",
            lineno=460,
        )
        self.emit(
            "warning",
            "The `airflow.utils.operator_helpers.determine_kwargs` attribute is deprecated. Please use "
            "`'airflow.sdk.bases.decorator.determine_kwargs'`.",
            logger="py.warnings",
            filename=f"{SITE}/airflow/providers/standard/sensors/python.py",
            lineno=24,
            category="UserWarning",
        )
        self.emit("info", "Worker startup parse complete", lineno=1073, bundle_name="dags-folder", dag_file=dag_file)
        self.emit(
            "info",
            "OpenLineageClient will use `file` transport",
            logger="openlineage.client.client",
            filename="client.py",
            lineno=144,
        )
        self.emit("info", "::endgroup::", lineno=2423)
        self.emit(
            "info",
            f"Executing {operator_logger}",
            logger=f"airflow.task.operators.{operator_logger}",
            filename="baseoperator.py",
            lineno=400,
        )

    def failure(self, exc_type: str, exc_value: str, frames: Frames, **extra: Any) -> int:
        detail = [error_detail(exc_type, exc_value, RUNNER_FRAMES + frames)]
        line = self.emit("error", "Task failed with exception", lineno=1676, error_detail=detail, **extra)
        self.emit("info", "::group::Post Execute", lineno=1677)
        self.emit(
            "info",
            "Successfully emitted OpenLineage `FAIL` event",
            context=True,
            logger="airflow.providers.openlineage.plugins.adapter.OpenLineageAdapter",
            filename="adapter.py",
            lineno=206,
        )
        self.emit("info", "::endgroup::", lineno=2379)
        return line

    def write(self, root: Path) -> Path:
        c = self.ctx
        path = root / f"dag_id={c['dag_id']}" / f"run_id={c['run_id']}" / f"task_id={c['task_id']}"
        path /= f"attempt={c['try_number']}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        return path
