"""The corpus's vocabulary: where a log record comes from (Src), exceptions, events, scenarios, case context."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oncall_mcp.shared.vocabulary import ERROR_CATEGORIES

CATEGORIES = ERROR_CATEGORIES  # the labels are the server contract's own vocabulary

ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Src:
    """Where a log record comes from: Airflow 3 logger name, and the file:line both formats print."""

    logger: str
    filename: str
    lineno: int
    a2_lineno: int | None = None
    a2_filename: str | None = None


TASK = Src("task", "task_runner.py", 1676, 2698, "taskinstance.py")
BASH = Src("airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook", "subprocess.py", 106, 93)
SPARK = Src(
    "airflow.task.hooks.airflow.providers.apache.spark.hooks.spark_submit.SparkSubmitHook", "spark_submit.py", 644, 521
)
POD = Src(
    "airflow.task.operators.airflow.providers.cncf.kubernetes.utils.pod_manager.PodManager", "pod_manager.py", 493, 466
)
POD_OP = Src(
    "airflow.task.operators.airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator", "pod.py", 1011, 984
)
SQL_OP = Src(
    "airflow.task.operators.airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator", "sql.py", 556, 282
)
TRINO_HOOK = Src("airflow.task.hooks.airflow.providers.trino.hooks.trino.TrinoHook", "sql.py", 896, 450)
PG_HOOK = Src("airflow.task.hooks.airflow.providers.postgres.hooks.postgres.PostgresHook", "sql.py", 896, 450)
SENSOR = Src("airflow.task.operators.airflow.providers.standard.sensors.python.PythonSensor", "python.py", 75, 75)
S3_SENSOR = Src("airflow.task.operators.airflow.providers.amazon.aws.sensors.s3.S3KeySensor", "s3.py", 151, 144)
APP = Src("etl.pipeline", "pipeline.py", 88)
UPLOADER = Src("etl.uploader", "uploader.py", 61)
TIMEOUT = Src("airflow.task", "timeout.py", 68, 68)


@dataclass
class Frame:
    path: str
    lineno: int
    name: str
    code: str = ""


@dataclass
class Exc:
    """One exception of a chain. `module` is '' for builtins (Airflow 2 prints `module.Type: value`)."""

    type: str
    value: str
    module: str = ""
    frames: list[Frame] = field(default_factory=list)
    gold: bool = False
    link: str = "cause"  # how the NEXT (outer) exception relates to this one: cause | context

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.type}" if self.module else self.type


@dataclass
class Ev:
    """One log record. kind: log | stdout | stderr | exc | raw (a2-only literal line) | big."""

    kind: str
    msg: str = ""
    level: str = "info"
    src: Src = TASK
    gold: str | None = None  # substring the rendered line must contain; None = not gold
    chain: list[Exc] | None = None  # exc: root first
    exc_key: str = "error_detail"
    extra: dict[str, Any] | None = None
    big_bytes: int = 0


@dataclass
class BG:
    """A run of background lines from a loghub sample, emitted through `src` (operator output or library logger)."""

    source: str
    n: int
    src: Src = BASH
    keep_errors: bool = False
    start: int | None = None


@dataclass
class Scenario:
    kind: str
    operator: str
    category: str
    items: list[Ev | BG]
    alternatives: tuple[str, ...] = ()
    exception_type: str | None = None
    no_cause: bool = False
    exit_code: int | str = 1
    ends_abruptly: bool = False
    task_id: str = "run"


@dataclass
class Ctx:
    rng: random.Random
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    max_tries: int
    map_index: int
    start: datetime
    ti_id: str
    job_id: int
    pid: int
    host: str
    ctx_order: list[str]
    big_line_mb: float = 50.0
    cascade_lines: int = 10_000
