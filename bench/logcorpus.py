"""Labelled root-cause corpus for servers/airflow_logs: a generator, used by the benchmark and by tests.

Real error strings (`../shared/reference/real_error_strings.tsv`, plus the well-known wordings of psycopg2, botocore,
dbt, bash and Airflow itself) are injected at known lines into real background logs — the loghub 2k samples in
`../shared/data/loghub/` (research licence: read at run time, never copied into this repository) and lines of the real
Airflow 3.3.2 task logs in `../shared/data/airflow3-logs/` — and rendered in both Airflow task-log formats:

- Airflow 3: JSON lines (`timestamp, level, event`, context, `logger, filename, lineno`), exceptions as structured
  `error_detail` lists (outermost first, causes flagged `is_cause`), captured stdout/stderr as `task.stdout` (info)
  and `task.stderr` (error) — so an error level alone is no failure;
- Airflow 2: text `[ts] {file.py:N} LEVEL - msg`, multi-line tracebacks (Python chains print the root first),
  captured stderr at WARNING.

Files go to Airflow's default layout `dag_id=…/run_id=…/task_id=…/[map_index=N/]attempt=N.log[.gz]` under an output
folder, with `labels.json`: per case the call (dag_id, run_id, task_id, try_number, map_index), the gold line
numbers (1-based in the decompressed file; any of them counts) each with a substring it must contain, or
`no_cause: true` when the cause is not in the log (SIGKILL/OOM kill), the expected `error_category` (+ acceptable
alternatives), the root `exception_type` where there is one, the operator, the case kind and its variants (ansi, crlf,
gzip, map_index). Everything is derived from one seed.

    python bench/logcorpus.py OUT_DIR [--seed 7] [--per-kind 4] [--big-line-mb 50] [--cascade-lines 10000]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from oncall_mcp.shared.vocabulary import ERROR_CATEGORIES

SHARED = Path(os.environ.get("OCM_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
LOGHUB = SHARED / "data" / "loghub"
AIRFLOW3_LOGS = SHARED / "data" / "airflow3-logs"
ERROR_STRINGS = SHARED / "reference" / "real_error_strings.tsv"

CATEGORIES = ERROR_CATEGORIES  # the labels are the server contract's own vocabulary

ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
BACKGROUND_ERRORS = re.compile(r"ERROR|FATAL|SEVERE|Exception|exception|Traceback|Caused by")
SITE = "/home/airflow/.local/lib/python3.11/site-packages"


# ----------------------------------------------------------------------------------------------------- model


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


# ------------------------------------------------------------------------------------------- shared data


class Data:
    """Real material read at run time from ../shared (never copied into the repository)."""

    def __init__(self, shared: Path = SHARED) -> None:
        loghub = shared / "data" / "loghub"
        self.raw: dict[str, list[str]] = {}
        self.clean: dict[str, list[str]] = {}
        for name in ("Spark", "Hadoop", "HDFS", "OpenStack", "Zookeeper"):
            lines = (loghub / f"{name}_2k.log").read_text(encoding="utf-8", errors="replace").splitlines()
            lines = [ln.rstrip("\r") for ln in lines if ln.strip()]
            self.raw[name] = lines
            self.clean[name] = [ln for ln in lines if not BACKGROUND_ERRORS.search(ln)]
        self.a3_pre, self.a3_post = self._airflow3(shared / "data" / "airflow3-logs")
        self.error_strings = (shared / "reference" / "real_error_strings.tsv").read_text(encoding="utf-8")

    @staticmethod
    def _airflow3(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        path = next(folder.glob("dag_id=*/run_id=*/task_id=dbt_run/attempt=1.log"))
        records = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        events = [r["event"] for r in records]
        pre = records[: events.index("::endgroup::") + 1]
        post = records[events.index("::group::Post Execute") :]
        return pre, post


# ------------------------------------------------------------------------------------------ case context


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


# --------------------------------------------------------------------------------------------- rendering


class Renderer:
    """Renders events into physical lines and records which lines are gold."""

    def __init__(self, fmt: str, ctx: Ctx, data: Data) -> None:
        self.fmt = fmt
        self.c = ctx
        self.data = data
        self.lines: list[str] = []
        self.gold: list[dict[str, Any]] = []
        self.clock = ctx.start
        self.bg_pos: dict[str, int] = {}

    # time ---------------------------------------------------------------------------------------------
    def tick(self, ms: int | None = None) -> datetime:
        self.clock += timedelta(milliseconds=ms if ms is not None else self.c.rng.randint(1, 400))
        return self.clock

    def ts3(self) -> str:
        return self.tick().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def ts2(self) -> str:
        t = self.tick()
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"

    # output ---------------------------------------------------------------------------------------------
    def emit(self, line: str, gold: str | None = None) -> None:
        self.lines.append(line)
        if gold is not None:
            self.gold.append({"line": len(self.lines), "contains": gold})

    def context(self) -> dict[str, Any]:
        c = self.c
        values = {
            "dag_id": c.dag_id,
            "run_id": c.run_id,
            "task_id": c.task_id,
            "try_number": c.try_number,
            "ti_id": c.ti_id,
            "map_index": c.map_index,
        }
        return {k: values[k] for k in c.ctx_order}

    def json_line(
        self,
        level: str,
        event: str,
        src: Src,
        extra: dict[str, Any] | None = None,
        ctx: bool = True,
        tail: dict[str, Any] | None = None,
    ) -> str:
        rec: dict[str, Any] = {"timestamp": self.ts3(), "level": level, "event": event}
        rec.update(extra or {})
        if ctx:
            rec.update(self.context())
        rec.update({"logger": src.logger, "filename": src.filename, "lineno": src.lineno})
        rec.update(tail or {})
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    def a2_line(self, level: str, msg: str, src: Src) -> list[str]:
        lineno = src.a2_lineno if src.a2_lineno is not None else src.lineno
        first, *rest = msg.split("\n")
        return [f"[{self.ts2()}] {{{src.a2_filename or src.filename}:{lineno}}} {level.upper()} - {first}", *rest]

    # events ---------------------------------------------------------------------------------------------
    def event(self, ev: Ev) -> None:
        if ev.kind == "exc":
            self.exception(ev)
        elif ev.kind == "big":
            self.big(ev)
        elif ev.kind == "raw":
            if self.fmt == "airflow2":
                self.emit(ev.msg, ev.gold)
        elif self.fmt == "airflow3":
            if ev.kind in ("stdout", "stderr"):
                level = "info" if ev.kind == "stdout" else "error"
                rec = {"timestamp": self.ts3(), "level": level, "event": ev.msg, "logger": f"task.{ev.kind}"}
                self.emit(json.dumps(rec, ensure_ascii=False, separators=(",", ":")), ev.gold)
            else:
                self.emit(self.json_line(ev.level, ev.msg, ev.src, ev.extra), ev.gold)
        else:
            if ev.kind in ("stdout", "stderr"):
                level, src = ("INFO" if ev.kind == "stdout" else "WARNING"), Src("", "logging_mixin.py", 188)
            else:
                level, src = ev.level, ev.src
            lines = self.a2_line("WARNING" if level.lower() == "warning" else level, ev.msg, src)
            for i, ln in enumerate(lines):
                self.emit(ln, ev.gold if i == 0 else None)

    def background(self, bg: BG) -> None:
        pool = self.data.raw[bg.source] if bg.keep_errors else self.data.clean[bg.source]
        pos = bg.start if bg.start is not None else self.bg_pos.get(bg.source, self.c.rng.randrange(len(pool)))
        for i in range(bg.n):
            text = pool[(pos + i) % len(pool)]
            if bg.src in (BASH, SPARK, POD):
                self.event(Ev("log", f"[base] {text}" if bg.src is POD else text, "info", bg.src))
            else:
                level = "error" if re.search(r"\b(ERROR|FATAL)\b", text) else "info"
                level = "warning" if re.search(r"\bWARN", text) else level
                self.event(Ev("log", text, level, bg.src))
        self.bg_pos[bg.source] = pos + bg.n

    def big(self, ev: Ev) -> None:
        row = "(100234, 'order-100234', 'acme-eu', 12.50, '2024-03-05'),"
        reps = max(1, int(ev.big_bytes) // len(row))
        msg = "Executing: INSERT INTO staging.order_lines VALUES " + row * reps
        msg = msg[:-1]
        if self.fmt == "airflow3":
            self.emit(self.json_line("info", msg, SQL_OP))
        else:
            self.emit(self.a2_line("INFO", msg, SQL_OP)[0])

    def exception(self, ev: Ev) -> None:
        chain = ev.chain or []

        if self.fmt == "airflow3":
            detail = []
            for i, exc in enumerate(reversed(chain)):  # structlog: outermost first, then its causes
                frames = exc.frames if i else A3_RUNTIME + exc.frames
                detail.append(
                    {
                        "exc_type": exc.type,
                        "exc_value": exc.value,
                        "exc_notes": [],
                        "syntax_error": None,
                        "is_cause": i > 0 and chain[len(chain) - i - 1].link == "cause",
                        "frames": [{"filename": f.path, "lineno": f.lineno, "name": f.name} for f in frames],
                        "is_group": False,
                        "exceptions": [],
                    }
                )
            golds = [e for e in chain if e.gold]
            level = ev.level if ev.level != "info" else "error"
            line = self.json_line(
                level,
                ev.msg or "Task failed with exception",
                ev.src,
                ev.extra,
                ctx=True,
                tail={ev.exc_key: detail},
            )
            self.emit(line, golds[0].value.split("\n")[0] if golds else None)
            return
        lines = self.a2_line("ERROR", ev.msg or "Task failed with exception", ev.src)
        for ln in lines:
            self.emit(ln)
        for i, exc in enumerate(chain):
            if i:
                self.emit("")
                if chain[i - 1].link == "cause":
                    self.emit("The above exception was the direct cause of the following exception:")
                else:
                    self.emit("During handling of the above exception, another exception occurred:")
                self.emit("")
            self.emit("Traceback (most recent call last):")
            frames = A2_RUNTIME + exc.frames if i == len(chain) - 1 else exc.frames
            for f in frames:
                self.emit(f'  File "{f.path}", line {f.lineno}, in {f.name}')
                if f.code:
                    self.emit(f"    {f.code}")
            first, *rest = exc.value.split("\n")
            self.emit(f"{exc.qualname}: {first}" if exc.value else exc.qualname, first if exc.gold else None)
            for ln in rest:
                self.emit(ln, ln.strip() if exc.gold and len(ln.strip()) > 10 else None)

    # frame of the whole attempt ---------------------------------------------------------------------------
    def preamble(self, operator: str) -> None:
        c = self.c
        if self.fmt == "airflow3":
            for rec in self.data.a3_pre:
                rec = dict(rec)
                rec["timestamp"] = self.ts3()
                for k in ("dag_id", "run_id", "task_id", "try_number", "ti_id", "map_index"):
                    if k in rec:
                        rec[k] = getattr(c, k)
                if isinstance(rec.get("event"), str):
                    rec["event"] = rec["event"].replace("failing_pipeline", c.dag_id)
                if "dag_id" in rec:
                    rec["dag_id"] = c.dag_id
                if "dag_file" in rec:
                    rec["dag_file"] = f"{c.dag_id}.py"
                self.emit(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            return
        ti = f"<TaskInstance: {c.dag_id}.{c.task_id} {c.run_id}"
        ti += f" map_index={c.map_index}" if c.map_index >= 0 else ""
        ld = c.start.strftime("%Y-%m-%d %H:%M:%S+00:00")
        for fn, ln, msg in [
            ("local_task_job_runner.py", 123, "::group::Pre task execution logs"),
            ("taskinstance.py", 2076, f"Dependencies all met for dep_context=non-requeueable deps ti={ti} [queued]>"),
            ("taskinstance.py", 2076, f"Dependencies all met for dep_context=requeueable deps ti={ti} [queued]>"),
            ("taskinstance.py", 2306, f"Starting attempt {c.try_number} of {c.max_tries}"),
            ("taskinstance.py", 2330, f"Executing <Task({operator}): {c.task_id}> on {ld}"),
            ("standard_task_runner.py", 63, f"Started process {c.pid} to run task"),
            (
                "standard_task_runner.py",
                90,
                f"Running: ['airflow', 'tasks', 'run', '{c.dag_id}', '{c.task_id}', "
                f"'{c.run_id}', '--job-id', '{c.job_id}', '--raw', '--subdir', 'DAGS_FOLDER/{c.dag_id}.py', "
                f"'--cfg-path', '/tmp/tmp{c.rng.getrandbits(32):08x}']",
            ),
            ("standard_task_runner.py", 91, f"Job {c.job_id}: Subtask {c.task_id}"),
            ("task_command.py", 426, f"Running {ti} [running]> on host {c.host}"),
            (
                "taskinstance.py",
                2648,
                f"Exporting env vars: AIRFLOW_CTX_DAG_OWNER='data-eng' AIRFLOW_CTX_DAG_ID="
                f"'{c.dag_id}' AIRFLOW_CTX_TASK_ID='{c.task_id}' AIRFLOW_CTX_EXECUTION_DATE='{c.start.isoformat()}' "
                f"AIRFLOW_CTX_TRY_NUMBER='{c.try_number}' AIRFLOW_CTX_DAG_RUN_ID='{c.run_id}'",
            ),
            ("taskinstance.py", 731, "::endgroup::"),
        ]:
            self.emit(self.a2_line("INFO", msg, Src("", fn, ln))[0])

    def postamble(self, scenario: Scenario, outer_msg: str | None, outer_gold: bool) -> None:
        c = self.c
        if scenario.ends_abruptly or (scenario.no_cause and self.fmt == "airflow3"):
            return  # killed from outside: the task runner never wrote its post-execute lines
        if self.fmt == "airflow3":
            for rec in self.data.a3_post:
                rec = dict(rec)
                rec["timestamp"] = self.ts3()
                for k in ("dag_id", "run_id", "task_id", "try_number", "ti_id", "map_index"):
                    if k in rec:
                        rec[k] = getattr(c, k)
                self.emit(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            return
        a2 = lambda fn, ln, lvl, msg, gold=None: self.emit(self.a2_line(lvl, msg, Src("", fn, ln))[0], gold)  # noqa: E731
        end = self.clock.strftime("%Y%m%dT%H%M%S")
        state = "UP_FOR_RETRY" if c.try_number < c.max_tries else "FAILED"
        if scenario.no_cause:
            if scenario.exit_code == "SIGTERM":
                a2("local_task_job_runner.py", 115, "ERROR", "Received SIGTERM. Terminating subprocesses.")
                a2(
                    "process_utils.py",
                    131,
                    "INFO",
                    f"Sending 15 to group {c.pid}. PIDs of all processes in the group: [{c.pid}]",
                )
                a2("process_utils.py", 86, "INFO", f"Sending the signal 15 to group {c.pid}")
                a2(
                    "taskinstance.py",
                    1206,
                    "INFO",
                    f"Marking task as {state}. dag_id={c.dag_id}, task_id={c.task_id}"
                    f", run_id={c.run_id}, execution_date={c.start:%Y%m%dT%H%M%S}, start_date={c.start:%Y%m%dT%H%M%S}"
                    f", end_date={end}",
                )
                a2(
                    "process_utils.py",
                    79,
                    "INFO",
                    f"Process psutil.Process(pid={c.pid}, status='terminated', "
                    f"exitcode=143, started='10:01:02') ({c.pid}) terminated with exit code 143",
                )
            else:
                a2("local_task_job_runner.py", 234, "INFO", "Task exited with return code Negsignal.SIGKILL")
                a2("taskinstance.py", 3498, "INFO", "0 downstream tasks scheduled from follow-on schedule check")
            return
        a2(
            "taskinstance.py",
            1206,
            "INFO",
            f"Marking task as {state}. dag_id={c.dag_id}, task_id={c.task_id}, "
            f"run_id={c.run_id}, execution_date={c.start:%Y%m%dT%H%M%S}, start_date={c.start:%Y%m%dT%H%M%S}, "
            f"end_date={end}",
        )
        if outer_msg is not None:
            first = outer_msg.split("\n")[0]
            a2(
                "standard_task_runner.py",
                110,
                "ERROR",
                f"Failed to execute job {c.job_id} for task {c.task_id} ({first}; {c.pid})",
                first if outer_gold else None,
            )
        a2("local_task_job_runner.py", 234, "INFO", "Task exited with return code 1")
        a2("taskinstance.py", 3498, "INFO", "0 downstream tasks scheduled from follow-on schedule check")

    def render(self, scenario: Scenario) -> None:
        self.preamble(scenario.operator)
        outer: Exc | None = None
        for item in scenario.items:
            if isinstance(item, BG):
                self.background(item)
            else:
                if item.kind == "exc" and item.chain and item.src is TASK:
                    outer = item.chain[-1]
                self.event(item)
        self.postamble(scenario, outer.value if outer else None, bool(outer and outer.gold))


A3_RUNTIME = [
    Frame(f"{SITE}/airflow/sdk/execution_time/task_runner.py", 1579, "_run_task_and_map_outcome"),
    Frame(f"{SITE}/airflow/sdk/execution_time/task_runner.py", 197, "wrapper"),
    Frame(f"{SITE}/airflow/sdk/execution_time/task_runner.py", 2234, "_execute_task"),
    Frame(f"{SITE}/airflow/sdk/execution_time/task_runner.py", 2192, "_run_execute_callable"),
    Frame(f"{SITE}/airflow/sdk/bases/operator.py", 462, "wrapper"),
]
A2_RUNTIME = [
    Frame(
        f"{SITE}/airflow/models/taskinstance.py",
        465,
        "_execute_task",
        "result = _execute_callable(context=context, **execute_callable_kwargs)",
    ),
    Frame(
        f"{SITE}/airflow/models/taskinstance.py",
        432,
        "_execute_callable",
        "return execute_callable(context=context, **execute_callable_kwargs)",
    ),
    Frame(f"{SITE}/airflow/models/baseoperator.py", 401, "wrapper", "return func(self, *args, **kwargs)"),
]


# --------------------------------------------------------------------------------------------- helpers

COLUMNS = [
    ("r.open_date", "r.start_date"),
    ("t.lgl_ntwrk_grp_cd", "t.legal_network_group_cd"),
    ("o.customer_id", "o.customer"),
    ("media.items.image.id", "media.items.image_id"),
    ("s.sold_at", "s.sale_ts"),
    ("p.unit_price", "p.price"),
]
TABLES = [
    "hive.sales.orders",
    "iceberg.finance.invoices",
    "hive.marketing.campaign_daily",
    "iceberg.ops.shipments",
    "hive.raw.events",
    "iceberg.reports.daily_revenue",
]


def trino_query_id(r: random.Random, when: datetime) -> str:
    return (
        f"{when:%Y%m%d_%H%M%S}_{r.randint(0, 99999):05d}_{''.join(r.choices('abcdefghijkmnpqrstuvwxyz23456789', k=5))}"
    )


def py_frames(*names: tuple[str, int, str, str]) -> list[Frame]:
    return [Frame(p if p.startswith("/") else f"{SITE}/{p}", n, fn, code) for p, n, fn, code in names]


SQL_FRAMES = py_frames(
    ("airflow/providers/common/sql/operators/sql.py", 562, "execute", "output = hook.run("),
    ("airflow/providers/common/sql/hooks/sql.py", 638, "run", "self._run_command(cur, sql_statement, parameters)"),
    ("airflow/providers/common/sql/hooks/sql.py", 686, "_run_command", "cur.execute(sql_statement)"),
    ("trino/dbapi.py", 614, "execute", "self._iterator = iter(self._query.execute())"),
    ("trino/client.py", 900, "execute", "self._result.rows += self.fetch()"),
    ("trino/client.py", 920, "fetch", "status = self._request.process(response)"),
    ("trino/client.py", 689, "process", 'raise self._process_error(response["error"], response.get("id"))'),
)
PY_FRAMES = py_frames(
    ("airflow/providers/standard/operators/python.py", 231, "execute", "return_value = self.execute_callable()"),
    (
        "airflow/providers/standard/operators/python.py",
        254,
        "execute_callable",
        "return runner.run(*self.op_args, **self.op_kwargs)",
    ),
)
BASH_FRAMES = py_frames(("airflow/providers/standard/operators/bash.py", 225, "execute", "raise AirflowException("))
SPARK_FRAMES = py_frames(
    ("airflow/providers/apache/spark/operators/spark_submit.py", 197, "execute", "self._hook.submit(self.application)"),
    ("airflow/providers/apache/spark/hooks/spark_submit.py", 586, "submit", "raise AirflowException("),
)
POD_FRAMES = py_frames(
    ("airflow/providers/cncf/kubernetes/operators/pod.py", 653, "execute", "return self.execute_sync(context)"),
    ("airflow/providers/cncf/kubernetes/operators/pod.py", 735, "execute_sync", "self.cleanup("),
    ("airflow/providers/cncf/kubernetes/operators/pod.py", 1085, "cleanup", "raise AirflowException("),
)


def user_frames(dag: str, fn: str, line: int, code: str) -> list[Frame]:
    return [
        *PY_FRAMES,
        Frame(f"{SITE}/airflow/sdk/execution_time/callback_runner.py", 97, "run", "return func(*args, **kwargs)"),
        Frame(f"/opt/airflow/dags/{dag}.py", line, fn, code),
    ]


def airflow_exc(value: str, frames: list[Frame]) -> Exc:
    return Exc("AirflowException", value, "airflow.exceptions", frames)


def task_fail(*chain: Exc) -> Ev:
    return Ev("exc", chain=list(chain))


def bash_fail(code: int) -> list[Ev]:
    return [
        Ev("log", f"Command exited with return code {code}", "info", BASH),
        task_fail(airflow_exc(f"Bash command failed. The command returned a non-zero exit code {code}.", BASH_FRAMES)),
    ]


def bash_start(cmd: str) -> list[Ev]:
    tmp = Src(BASH.logger, "subprocess.py", 78, 63)
    run = Src(BASH.logger, "subprocess.py", 80, 75)
    out = Src(BASH.logger, "subprocess.py", 92, 86)
    return [
        Ev("log", "Tmp dir root location: /tmp", "info", tmp),
        Ev("log", f"Running command: ['/usr/bin/bash', '-c', {cmd!r}]", "info", run),
        Ev("log", "Output:", "info", out),
    ]


def spark_fail(r: random.Random, app: str) -> list[Ev]:
    cmd = (
        f"spark-submit --master yarn --conf spark.executor.memory=4g --name {app} --deploy-mode client "
        f"/opt/airflow/jobs/{app}.py"
    )
    return [
        Ev("log", "24/03/05 10:21:44 INFO ShutdownHookManager: Shutdown hook called", "info", SPARK),
        Ev(
            "log",
            f"24/03/05 10:21:44 INFO ShutdownHookManager: Deleting directory /tmp/spark-{r.getrandbits(64):016x}",
            "info",
            SPARK,
        ),
        task_fail(airflow_exc(f"Cannot execute: {cmd}. Error code is: 1.", SPARK_FRAMES)),
    ]


def java_stack(r: random.Random, pkgs: list[str], n: int | None = None) -> list[str]:
    n = n or r.randint(4, 9)
    return [
        f"\tat {r.choice(pkgs)}.{r.choice(['apply', 'run', 'execute', 'invoke', 'checkAnalysis', 'process'])}"
        f"({r.choice(['Dataset', 'QueryExecution', 'SparkPlan', 'DAGScheduler', 'FileFormatWriter', 'Task'])}"
        f".scala:{r.randint(40, 900)})"
        for _ in range(n)
    ]


SPARK_PKGS = [
    "org.apache.spark.sql.catalyst.analysis.CheckAnalysis",
    "org.apache.spark.sql.execution.QueryExecution",
    "org.apache.spark.sql.Dataset",
    "org.apache.spark.scheduler.DAGScheduler",
    "org.apache.spark.sql.execution.datasources.FileFormatWriter",
    "org.apache.spark.rdd.RDD",
]


def spark_out(
    lines: list[str], gold_index: set[int] | None = None, gold_text: dict[int, str] | None = None
) -> list[Ev]:
    gold_index = gold_index or set()
    gold_text = gold_text or {}
    return [
        Ev("log", ln, "info", SPARK, gold=gold_text.get(i, ln[:60].strip()) if i in gold_index else None)
        for i, ln in enumerate(lines)
    ]


def stderr_noise(r: random.Random, n: int) -> list[Ev]:
    """stderr that is not a failure (Airflow 3 logs it at level error)."""
    pool = [
        "/opt/airflow/dags/lib/transform.py:42: FutureWarning: The default value of numeric_only in "
        "DataFrameGroupBy.mean is deprecated. In a future version, numeric_only will default to False.",
        '  df = df.groupby("customer").mean()',
        "Downloading: 100%|##########| 12/12 [00:01<00:00,  9.81it/s]",
        "/home/airflow/.local/lib/python3.11/site-packages/urllib3/connectionpool.py:1099: InsecureRequestWarning: "
        "Unverified HTTPS request is being made to host 'minio.internal'.",
        "WARNING: Running pip as the 'root' user can result in broken permissions.",
    ]
    return [Ev("stderr", r.choice(pool)) for _ in range(n)]


# --------------------------------------------------------------------------------------------- scenarios
# Each returns the body of one failed attempt. `bg(n)` sizes are drawn by the caller's rng.


def sz(r: random.Random, lo: int = 20, hi: int = 900) -> int:
    return int(r.triangular(lo, hi, lo + (hi - lo) // 5))


def s_trino_error(
    r: random.Random,
    c: Ctx,
    name: str,
    message: str,
    category: str,
    etype: str = "TrinoUserError",
    etype_kind: str = "USER_ERROR",
    kind: str = "trino_column_not_found",
) -> Scenario:
    table = r.choice(TABLES)
    col = r.choice(COLUMNS)[0]
    sql = (
        f"INSERT INTO {table}_agg SELECT r.id, {col}, count(*) FROM {table} r "
        f"WHERE r.dt = DATE '2024-03-05' GROUP BY 1, 2"
    )
    qid = trino_query_id(r, c.start)
    value = f'{etype}(type={etype_kind}, name={name}, message="{message}", query_id={qid})'
    items: list[Ev | BG] = [
        BG("OpenStack", sz(r), APP),
        Ev("log", f"Executing: {sql}", "info", SQL_OP),
        Ev("log", f"Running statement: {sql}, parameters: None", "info", TRINO_HOOK),
        *stderr_noise(r, r.randint(0, 3)),
        task_fail(Exc(etype, value, "trino.exceptions", SQL_FRAMES, gold=True)),
    ]
    return Scenario(kind, "SQLExecuteQueryOperator", category, items, exception_type=etype, task_id="load_report")


def s_trino_column(r: random.Random, c: Ctx) -> Scenario:
    col = r.choice(COLUMNS)[0]
    return s_trino_error(
        r,
        c,
        "COLUMN_NOT_FOUND",
        f"line {r.randint(1, 200)}:{r.randint(1, 80)}: Column '{col}' cannot be resolved",
        "schema_mismatch",
    )


def s_trino_syntax(r: random.Random, c: Ctx) -> Scenario:
    tok = r.choice(["'%'", "'FROM'", "')'", "'GROUP'"])
    s = s_trino_error(
        r,
        c,
        "SYNTAX_ERROR",
        f"line {r.randint(1, 9)}:{r.randint(1, 400)}: mismatched input {tok}. Expecting: <expression>",
        "syntax",
        kind="trino_syntax",
    )
    return s


def s_trino_table(r: random.Random, c: Ctx) -> Scenario:
    t = r.choice(TABLES)
    return s_trino_error(
        r,
        c,
        "TABLE_NOT_FOUND",
        f"line 1:{r.randint(15, 60)}: Table '{t}_v2' does not exist",
        "resource_missing",
        kind="trino_table_not_found",
    )


def s_trino_permission(r: random.Random, c: Ctx) -> Scenario:
    t = r.choice(TABLES)
    return s_trino_error(
        r,
        c,
        "PERMISSION_DENIED",
        f"Access Denied: Cannot select from table {t}",
        "permission_denied",
        kind="trino_permission",
    )


def s_trino_timeout(r: random.Random, c: Ctx) -> Scenario:
    return s_trino_error(
        r,
        c,
        "EXCEEDED_TIME_LIMIT",
        "Query exceeded maximum time limit of 1.00h",
        "timeout",
        etype="TrinoQueryError",
        etype_kind="INSUFFICIENT_RESOURCES",
        kind="trino_time_limit",
    )


def s_trino_cli(r: random.Random, c: Ctx) -> Scenario:
    col = r.choice(COLUMNS)[0]
    qid = trino_query_id(r, c.start)
    line = f"Query {qid} failed: line 2:5: Column '{col}' cannot be resolved"
    items: list[Ev | BG] = [
        *bash_start("trino --server https://trino.internal:8443 --file /opt/airflow/sql/report.sql"),
        BG("HDFS", sz(r), BASH),
        Ev("log", line, "info", BASH, gold=line),
        *bash_fail(1),
    ]
    return Scenario("trino_cli_column", "BashOperator", "schema_mismatch", items, task_id="run_report_sql")


def s_spark_unresolved(r: random.Random, c: Ctx) -> Scenario:
    bad, good = r.choice([("open_date", "start_date"), ("John", "name"), ("cust_id", "customer_id")])
    line = (
        f'Exception in thread "main" org.apache.spark.sql.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] '
        f"A column, variable, or function parameter with name `{bad}` cannot be resolved. Did you mean one of "
        f"the following? [`{good}`, `metadata`]. SQLSTATE: 42703;"
    )
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 50, 1500), SPARK),
        *spark_out([line, *java_stack(r, SPARK_PKGS)], {0}, {0: "UNRESOLVED_COLUMN"}),
        BG("Spark", r.randint(0, 30), SPARK),
        *spark_fail(r, "daily_agg"),
    ]
    return Scenario(
        "spark_unresolved_column",
        "SparkSubmitOperator",
        "schema_mismatch",
        items,
        exception_type="AnalysisException",
        task_id="spark_aggregate",
    )


JAVA_ROOTS = [
    (
        "Caused by: org.apache.spark.sql.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function "
        "parameter with name `customer`.`customer_id` cannot be resolved. Did you mean one of the following? "
        "[`customer`.`id`, `customer`.`name`]; line 1 pos 62;",
        "schema_mismatch",
        "AnalysisException",
        (),
    ),
    (
        "Caused by: java.io.FileNotFoundException: File does not exist: hdfs://nn1.internal:8020/warehouse/raw/orders/"
        "dt=2024-03-05/part-00007.snappy.parquet",
        "resource_missing",
        "FileNotFoundException",
        (),
    ),
    (
        "Caused by: org.apache.hadoop.security.AccessControlException: Permission denied: user=airflow, access=WRITE, "
        'inode="/warehouse/sales":hive:hive:drwxr-xr-x',
        "permission_denied",
        "AccessControlException",
        (),
    ),
    ("Caused by: java.net.ConnectException: Connection refused", "connection", "ConnectException", ()),
]


def s_spark_chain(r: random.Random, c: Ctx) -> Scenario:
    root, category, etype, alts = r.choice(JAVA_ROOTS)
    lines = [
        'Exception in thread "main" org.apache.spark.SparkException: Job aborted.',
        *java_stack(r, SPARK_PKGS),
        "Caused by: org.apache.spark.SparkException: Task failed while writing rows.",
        *java_stack(r, SPARK_PKGS),
        root,
        *java_stack(
            r, ["org.apache.hadoop.hdfs.DFSClient", "org.apache.hadoop.ipc.Client", "java.base/sun.nio.ch.Net"]
        ),
        f"\t... {r.randint(8, 40)} more",
    ]
    gold = len(lines) - len(lines[lines.index(root) :])
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 50, 1500), SPARK),
        *spark_out(lines, {gold}, {gold: root[11:70]}),
        *spark_fail(r, "orders_compaction"),
    ]
    return Scenario(
        "spark_caused_by_chain",
        "SparkSubmitOperator",
        category,
        items,
        alts,
        exception_type=etype,
        task_id="spark_compact",
    )


def s_spark_137(r: random.Random, c: Ctx) -> Scenario:
    ex = r.randint(1, 40)
    root = (
        f"Caused by: org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 1.0 "
        f"failed 4 times, most recent failure: Lost task 3.3 in stage 1.0 (TID 7243, ip-10-0-{r.randint(0, 255)}"
        f"-{r.randint(0, 255)}.ec2.internal, executor {ex}): ExecutorLostFailure (executor {ex} exited caused by "
        f"one of the running tasks) Reason: Container marked as failed: container_1445144423722_0020_01_0000{ex:02d}"
        " on host: ip-10-0-3-7.ec2.internal. Exit status: 137. Diagnostics: Container killed on request. "
        "Exit code is 137"
    )
    lines = [
        'Exception in thread "main" org.apache.spark.SparkException: Job aborted.',
        *java_stack(r, SPARK_PKGS),
        root,
        *java_stack(r, SPARK_PKGS),
        f"\t... {r.randint(8, 40)} more",
    ]
    gold = lines.index(root)
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 50, 1500), SPARK),
        *spark_out(lines, {gold}, {gold: "Exit status: 137"}),
        *spark_fail(r, "sessionize"),
    ]
    return Scenario(
        "spark_executor_lost_137",
        "SparkSubmitOperator",
        "out_of_memory",
        items,
        ("killed",),
        task_id="spark_sessionize",
    )


def yarn_kill_line(r: random.Random, level: str) -> str:
    ex = r.randint(2, 30)
    host = f"ip-10-0-{r.randint(0, 255)}-{r.randint(0, 255)}.ec2.internal"
    if level == "ERROR":
        return (
            f"24/03/05 10:{r.randint(10, 19)}:{r.randint(10, 59)} ERROR YarnClusterScheduler: Lost executor {ex} "
            f"on {host}: Container killed by YARN for exceeding memory limits. 7.2 GB of 4.2 GB virtual memory "
            "used. Consider boosting spark.yarn.executor.memoryOverhead."
        )
    return (
        f"24/03/05 10:{r.randint(10, 19)}:{r.randint(10, 59)} WARN TaskSetManager: Lost task 0.0 in stage 3.0 "
        f"(TID 12, {host}, executor {ex}): ExecutorLostFailure (executor {ex} exited caused by one of the running "
        "tasks) Reason: Container killed by YARN for exceeding memory limits. 10.4 GB of 10 GB physical memory "
        "used. Consider boosting spark.yarn.executor.memoryOverhead or disabling "
        "yarn.nodemanager.vmem-check-enabled because of YARN-4714."
    )


def generic_spark_end(r: random.Random) -> list[str]:
    return [
        'Exception in thread "main" org.apache.spark.SparkException: Job 3 cancelled because SparkContext was '
        "shut down",
        *java_stack(r, SPARK_PKGS),
    ]


def s_yarn_far(r: random.Random, c: Ctx) -> Scenario:
    """Root cause far before the failure marker: thousands of lines between them."""
    line = yarn_kill_line(r, "ERROR")
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 20, 300), SPARK),
        Ev("log", line, "info", SPARK, gold="Container killed by YARN for exceeding memory limits"),
        BG("Spark", r.randint(3000, 8000), SPARK),
        *spark_out(generic_spark_end(r)),
        *spark_fail(r, "clickstream_rollup"),
    ]
    return Scenario(
        "yarn_memory_far", "SparkSubmitOperator", "out_of_memory", items, ("killed",), task_id="spark_rollup"
    )


def s_warn_cause(r: random.Random, c: Ctx) -> Scenario:
    """Cause at WARN, generic error at the end."""
    if r.random() < 0.5:
        line = yarn_kill_line(r, "WARN")
        items: list[Ev | BG] = [
            BG("Spark", sz(r, 50, 800), SPARK),
            Ev("log", line, "info", SPARK, gold="Container killed by YARN for exceeding memory limits"),
            BG("Spark", sz(r, 50, 800), SPARK),
            *spark_out(generic_spark_end(r)),
            *spark_fail(r, "features_daily"),
        ]
        return Scenario(
            "cause_at_warn", "SparkSubmitOperator", "out_of_memory", items, ("killed",), task_id="spark_features"
        )
    path = r.choice(["/data/exports/orders.csv", "/mnt/shared/outbox/invoices_20240305.csv"])
    warn = f"Could not write export file {path}: [Errno 13] Permission denied: '{path}'"
    items = [
        BG("Zookeeper", sz(r, 30, 600), APP),
        Ev("log", warn, "warning", Src("etl.export", "export.py", 57), gold="Permission denied"),
        BG("Zookeeper", sz(r, 5, 80), APP),
        task_fail(
            Exc(
                "RuntimeError",
                "export step finished with 1 failed file(s)",
                "",
                user_frames(c.dag_id, "export_orders", 77, "raise RuntimeError("),
            )
        ),
    ]
    return Scenario(
        "cause_at_warn", "PythonOperator", "permission_denied", items, exception_type=None, task_id="export_orders"
    )


def s_k8s_oom(r: random.Random, c: Ctx) -> Scenario:
    pod = f"etl-load-{r.getrandbits(32):08x}"
    status = (
        "Pod phase: Failed, reason: None, message: None, container_type: main, container_name: base, "
        "container_state: terminated, container_reason: OOMKilled, container_message: None, exit_code: 137"
    )
    items: list[Ev | BG] = [
        Ev(
            "log",
            f"Building pod {pod} with labels: {{'dag_id': '{c.dag_id}', 'kubernetes_pod_operator': 'True'}}",
            "info",
            POD_OP,
        ),
        Ev("log", f"Pod {pod} has phase Running", "info", POD),
        BG("OpenStack", sz(r, 50, 900), POD),
        Ev("log", f"Pod {pod} has phase Failed", "info", POD),
        Ev("log", status, "error", POD_OP, gold="OOMKilled"),
        Ev("log", f"Deleting pod: {pod}", "info", POD_OP),
        task_fail(airflow_exc(f"Pod {pod} returned a failure.", POD_FRAMES)),
    ]
    return Scenario(
        "k8s_oomkilled", "KubernetesPodOperator", "out_of_memory", items, ("killed",), task_id="load_partitions"
    )


def s_hadoop_natural(r: random.Random, c: Ctx) -> Scenario:
    """The whole Hadoop_2k sample, unfiltered: its FATAL NoRouteToHost (and first ERROR IN CONTACTING RM) is gold."""
    items: list[Ev | BG] = [*bash_start("yarn jar /opt/jobs/wordcount.jar WordCount /in /out")]
    items.append(BG("Hadoop", -1, BASH, keep_errors=True, start=0))
    items += bash_fail(1)
    return Scenario("hadoop_natural", "BashOperator", "connection", items, task_id="mapreduce_job")


def s_hadoop_cascade(r: random.Random, c: Ctx) -> Scenario:
    fatal = (
        "2015-10-18 18:06:26,029 FATAL [IPC Server handler 13 on 62270] org.apache.hadoop.mapred."
        "TaskAttemptListenerImpl: Task: attempt_1445144423722_0020_m_000002_0 - exited : java.net."
        "NoRouteToHostException: No Route to Host from  MININT-FNANLI5/127.0.0.1 to msra-sa-41:9000 failed on "
        "socket timeout exception"
    )
    items: list[Ev | BG] = [
        *bash_start("yarn jar /opt/jobs/etl.jar OrdersJob"),
        BG("Hadoop", sz(r, 50, 600), BASH),
        Ev("log", fatal, "info", BASH, gold="NoRouteToHostException"),
    ]
    t = datetime(2015, 10, 18, 18, 6, 27)
    for i in range(c.cascade_lines):
        ts = (t + timedelta(milliseconds=1000 * i + r.randint(0, 999))).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
        items.append(
            Ev(
                "log",
                f"{ts} ERROR [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm."
                "RMContainerAllocator: ERROR IN CONTACTING RM. ",
                "info",
                BASH,
            )
        )
    items += bash_fail(1)
    return Scenario("cascade_10k", "BashOperator", "connection", items, task_id="mapreduce_job")


def s_python_cascade(r: random.Random, c: Ctx) -> Scenario:
    bucket = r.choice(["lake-raw", "analytics-curated", "ml-features"])
    cause = (
        f"Upload of part 1 to s3://{bucket}/events/dt=2024-03-05/part-0001.parquet failed: An error occurred "
        "(AccessDenied) when calling the PutObject operation: Access Denied"
    )
    items: list[Ev | BG] = [
        BG("OpenStack", sz(r, 20, 300), APP),
        Ev("log", cause, "error", UPLOADER, gold="AccessDenied"),
    ]
    for i in range(c.cascade_lines):
        items.append(
            Ev(
                "log",
                f"Retrying upload of batch {i % 5000:05d} (attempt {i % 5 + 1}/5): upstream writer closed",
                "error",
                UPLOADER,
            )
        )
    items.append(
        task_fail(
            Exc(
                "RuntimeError",
                f"{c.cascade_lines} batches failed to upload",
                "",
                user_frames(c.dag_id, "upload_events", 112, "raise RuntimeError("),
            )
        )
    )
    return Scenario("cascade_10k", "PythonOperator", "permission_denied", items, task_id="upload_events")


def s_python_exc(r: random.Random, c: Ctx) -> Scenario:
    choices = [
        ("KeyError", "'amount'", "", "transform_orders", 'total += rec["amount"]', "user_code", ()),
        ("ZeroDivisionError", "division by zero", "", "compute_ratio", "return clicks / impressions", "user_code", ()),
        (
            "ModuleNotFoundError",
            "No module named 'pandas_does_not_exist'",
            "",
            "load_frame",
            "import pandas_does_not_exist as pd",
            "dependency_missing",
            (),
        ),
        (
            "PermissionError",
            "[Errno 13] Permission denied: '/data/exports/orders.csv'",
            "",
            "write_export",
            'with open(path, "w") as fh:',
            "permission_denied",
            (),
        ),
        (
            "ClientError",
            "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
            "botocore.exceptions",
            "publish_report",
            "s3.put_object(Bucket=bucket, Key=key, Body=body)",
            "permission_denied",
            (),
        ),
        (
            "NoSuchKey",
            "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.",
            "botocore.errorfactory",
            "read_manifest",
            "obj = s3.get_object(Bucket=bucket, Key=key)",
            "resource_missing",
            (),
        ),
        (
            "OperationalError",
            'connection to server at "warehouse-db.internal" (10.0.4.12), port 5432 failed: '
            "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
            "psycopg2",
            "load_rows",
            "conn = psycopg2.connect(dsn)",
            "connection",
            (),
        ),
        (
            "ConnectionRefusedError",
            "[Errno 111] Connection refused",
            "",
            "fetch_api",
            "sock.connect(addr)",
            "connection",
            (),
        ),
    ]
    etype, value, module, fn, code, category, alts = r.choice(choices)
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS", "Zookeeper"]), sz(r), APP),
        *stderr_noise(r, r.randint(0, 4)),
        Ev("stdout", f"processing batch {r.randint(1, 99)}"),
        task_fail(Exc(etype, value, module, user_frames(c.dag_id, fn, r.randint(20, 200), code), gold=True)),
    ]
    return Scenario(f"python_{category}", "PythonOperator", category, items, alts, exception_type=etype, task_id=fn)


def s_python_chain(r: random.Random, c: Ctx) -> Scenario:
    """Chained exceptions: the root (first printed in Python) is gold, the generic outer ones are not."""
    roots = [
        (Exc("KeyError", "'customer_id'", ""), "user_code"),
        (Exc("ConnectionRefusedError", "[Errno 111] Connection refused", ""), "connection"),
        (
            Exc("FileNotFoundError", "[Errno 2] No such file or directory: '/data/incoming/2024-03-05/orders.csv'", ""),
            "resource_missing",
        ),
        (Exc("ModuleNotFoundError", "No module named 'snowflake'", ""), "dependency_missing"),
    ]
    root, category = r.choice(roots)
    root.gold = True
    root.frames = [Frame("/opt/airflow/dags/lib/transform.py", r.randint(10, 90), "step", "row = parse(raw)")]
    root.link = r.choice(["cause", "context"])
    mid = Exc(
        "ValueError",
        f"could not parse record {r.randint(1, 5000)}",
        "",
        [
            Frame(
                "/opt/airflow/dags/lib/transform.py",
                r.randint(90, 120),
                "parse_all",
                'raise ValueError(f"could not parse record {i}") from err',
            )
        ],
    )
    outer = airflow_exc("transform step failed", user_frames(c.dag_id, "run_transform", 55, "raise AirflowException("))
    chain = [root, mid, outer] if r.random() < 0.6 else [root, outer]
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS"]), sz(r), APP),
        *stderr_noise(r, r.randint(0, 3)),
        task_fail(*chain),
    ]
    return Scenario(
        "python_chain", "PythonOperator", category, items, exception_type=root.type, task_id="transform_batch"
    )


def s_timeout(r: random.Random, c: Ctx) -> Scenario:
    items: list[Ev | BG] = [BG(r.choice(["OpenStack", "HDFS"]), sz(r), APP)]
    items.append(Ev("log", f"Process timed out, PID: {c.pid}", "error", TIMEOUT, gold="Process timed out"))
    items.append(
        task_fail(
            Exc(
                "AirflowTaskTimeout",
                f"Timeout, PID: {c.pid}",
                "airflow.exceptions",
                [
                    *user_frames(c.dag_id, "slow_aggregate", 64, "time.sleep(5)"),
                    Frame(
                        f"{SITE}/airflow/utils/timeout.py",
                        69,
                        "handle_timeout",
                        "raise AirflowTaskTimeout(self.error_message)",
                    ),
                ],
                gold=True,
            )
        )
    )
    return Scenario(
        "execution_timeout",
        "PythonOperator",
        "timeout",
        items,
        exception_type="AirflowTaskTimeout",
        task_id="slow_aggregate",
    )


def s_sensor(r: random.Random, c: Ctx) -> Scenario:
    key = f"s3://raw-data/events/dt={c.start:%Y-%m-%d}/_SUCCESS"
    items: list[Ev | BG] = []
    s3 = r.random() < 0.5
    for _ in range(r.randint(5, 400)):
        if s3:
            items.append(Ev("log", f"Poking for key : {key}", "info", S3_SENSOR))
        else:
            items.append(Ev("log", "Poking callable: <function partition_ready at 0x7fa18211d300>", "info", SENSOR))
            items.append(Ev("stdout", f"checking for {key} ... not found"))
    timeout = r.choice([3600, 21600, 43200])
    value = (
        f"Sensor has timed out; run duration of {timeout + r.random():.6f} seconds exceeds the specified "
        f"timeout of {timeout:.1f}."
    )
    frames = py_frames(("airflow/sdk/bases/sensor.py", 243, "execute", "raise AirflowSensorTimeout(message)"))
    items.append(task_fail(Exc("AirflowSensorTimeout", value, "airflow.exceptions", frames, gold=True)))
    return Scenario(
        "sensor_timeout",
        "S3KeySensor" if s3 else "PythonSensor",
        "upstream_not_ready",
        items,
        ("timeout",),
        exception_type="AirflowSensorTimeout",
        task_id="wait_for_partition",
    )


def dbt_lines(r: random.Random, failure: list[str], status: str, ansi: bool) -> tuple[list[str], set[int]]:
    red, reset = ("\x1b[31m", "\x1b[0m") if ansi else ("", "")
    t = datetime(2024, 3, 5, 10, 1, 2)

    def ts(i: int) -> str:
        return (t + timedelta(seconds=i)).strftime("%H:%M:%S")

    n = r.randint(6, 40)
    out = [
        f"{ts(0)}  Running with dbt=1.7.4",
        f"{ts(1)}  Registered adapter: postgres=1.7.4",
        f"{ts(1)}  Found {n} models, {n // 2} tests, 3 sources, 0 exposures, 0 metrics, 512 macros",
        f"{ts(2)}  Concurrency: 4 threads (target='prod')",
    ]
    bad = r.randint(1, n)
    for i in range(1, n + 1):
        name = "stg_orders" if i == bad else f"model_{i:02d}"
        out.append(f"{ts(2 + i)}  {i} of {n} START sql table model analytics.{name} {'.' * 20} [RUN]")
        res = f"{red}{status}{reset} in 0.41s" if i == bad else f"\x1b[32mOK\x1b[0m in 0.{i:02d}s" if ansi else "OK"
        out.append(
            f"{ts(3 + i)}  {i} of {n} {'ERROR creating' if i == bad else 'OK created'} sql table model "
            f"analytics.{name} {'.' * 20} [{res}]"
        )
    out += [
        f"{ts(n + 5)}  ",
        f"{ts(n + 5)}  Finished running {n} table models in 0 hours 0 minutes and {n + 3}.12 seconds ({n + 3}.12s).",
        f"{ts(n + 5)}  ",
        f"{ts(n + 5)}  {red}Completed with 1 error and 0 warnings:{reset}",
        f"{ts(n + 5)}  ",
    ]
    gold = set()
    for i, ln in enumerate(failure):
        gold.add(len(out))
        out.append(f"{ts(n + 5)}  {red if i == 0 else ''}{ln}{reset if i == 0 else ''}")
    out += [f"{ts(n + 5)}  ", f"{ts(n + 5)}  Done. PASS={n - 1} WARN=0 ERROR=1 SKIP=0 TOTAL={n}"]
    return out, gold


def s_dbt(r: random.Random, c: Ctx, ansi: bool = False) -> Scenario:
    variants = [
        (
            [
                "Database Error in model stg_orders (models/staging/stg_orders.sql)",
                '  relation "raw.orders" does not exist',
                "  LINE 12:   from raw.orders",
                "  compiled Code at target/run/shop/models/staging/stg_orders.sql",
            ],
            "resource_missing",
            "ERROR",
            {0, 1},
        ),
        (
            [
                "Failure in test not_null_orders_order_id (models/schema.yml)",
                "  Got 12 results, configured to fail if != 0",
                "",
                "  compiled Code at target/compiled/shop/models/schema.yml/not_null_orders_order_id.sql",
            ],
            "data_quality",
            "FAIL 12",
            {0, 1},
        ),
        (
            [
                "Database Error in model stg_orders (models/staging/stg_orders.sql)",
                '  syntax error at or near "from"',
                "  LINE 9: from {{ ref('orders') }} o",
                "  compiled Code at target/run/shop/models/staging/stg_orders.sql",
            ],
            "syntax",
            "ERROR",
            {0, 1},
        ),
    ]
    failure, category, status, gold_rel = r.choice(variants)
    out, gold_abs = dbt_lines(r, failure, status, ansi)
    gold_lines = {sorted(gold_abs)[i] for i in gold_rel}
    items: list[Ev | BG] = [*bash_start("dbt run --profiles-dir /opt/dbt --project-dir /opt/dbt/shop")]
    for i, ln in enumerate(out):
        items.append(
            Ev("log", ln, "info", BASH, gold=ANSI_RE.sub("", ln)[10:].strip()[:50] if i in gold_lines else None)
        )
    items += bash_fail(1)
    return Scenario("dbt", "BashOperator", category, items, task_id="dbt_run")


def s_bash_exit(r: random.Random, c: Ctx) -> Scenario:
    variants = [
        (
            f"cp: cannot stat '/data/incoming/{c.start:%Y-%m-%d}/*.csv': No such file or directory",
            1,
            "resource_missing",
            "cannot stat",
        ),
        ("/usr/bin/bash: line 1: spark-sql: command not found", 127, "dependency_missing", "command not found"),
        (
            'psql: error: connection to server at "warehouse-db.internal" (10.0.4.12), port 5432 failed: Connection '
            "refused",
            2,
            "connection",
            "Connection refused",
        ),
        (
            'rsync: [sender] change_dir "/mnt/export/outbox" failed: Permission denied (13)',
            23,
            "permission_denied",
            "Permission denied",
        ),
    ]
    line, code, category, gold = r.choice(variants)
    items: list[Ev | BG] = [
        *bash_start("/opt/scripts/ingest.sh"),
        BG(r.choice(["HDFS", "Zookeeper"]), sz(r), BASH),
        Ev("log", line, "info", BASH, gold=gold),
        *bash_fail(code),
    ]
    return Scenario("bash_exit_code", "BashOperator", category, items, task_id="ingest_files")


def s_sql_check(r: random.Random, c: Ctx) -> Scenario:
    table = r.choice(["staging.orders", "staging.payments", "analytics.sessions"])
    sql = f"SELECT COUNT(*) = 0 FROM {table} WHERE order_id IS NULL"
    value = f"Test failed.\nQuery:\n{sql}\nResults:\n(False,)"
    check = Src("airflow.task.operators.airflow.providers.common.sql.operators.sql.SQLCheckOperator", "sql.py", 844)
    items: list[Ev | BG] = [
        BG("OpenStack", sz(r), APP),
        Ev("log", f"Executing SQL check: {sql}", "info", check),
        Ev("log", "Record: (False,)", "info", check),
        task_fail(
            Exc(
                "AirflowException",
                value,
                "airflow.exceptions",
                py_frames(("airflow/providers/common/sql/operators/sql.py", 852, "execute", "self._raise_exception(")),
                gold=True,
            )
        ),
    ]
    return Scenario(
        "sql_check_failed",
        "SQLCheckOperator",
        "data_quality",
        items,
        exception_type="AirflowException",
        task_id="check_orders_not_null",
    )


def s_no_cause(r: random.Random, c: Ctx) -> Scenario:
    """The task was killed from outside (OOM killer, pod eviction): the cause is not in the log."""
    how = r.choice(["SIGKILL", "SIGTERM"])
    items: list[Ev | BG] = [BG(r.choice(["OpenStack", "HDFS", "Spark"]), sz(r, 50, 1500), APP)]
    items += [Ev("stdout", f"loaded {r.randint(1000, 90000)} rows into memory")]
    return Scenario(
        "no_cause",
        "PythonOperator",
        "killed",
        items,
        ("out_of_memory",),
        no_cause=True,
        exit_code=how,
        ends_abruptly=False,
        task_id="build_features",
    )


def s_big_line(r: random.Random, c: Ctx) -> Scenario:
    """A single line of tens of MB (a logged INSERT ... VALUES) before the cause."""
    inner = r.choice([s_trino_column, s_python_exc, s_bash_exit])(r, c)
    items: list[Ev | BG] = [Ev("big", big_bytes=int(c.big_line_mb * 1024 * 1024)), *inner.items]
    return Scenario(
        "big_line",
        inner.operator,
        inner.category,
        items,
        inner.alternatives,
        inner.exception_type,
        task_id=inner.task_id,
    )


def s_airflow3_exception_key(r: random.Random, c: Ctx) -> Scenario:
    """Older Airflow 3 releases put the structured exception under `exception` (test_structlog.py::test_json_exc)."""
    inner = s_python_exc(r, c)
    for it in inner.items:
        if isinstance(it, Ev) and it.kind == "exc":
            it.exc_key = "exception"
    inner.kind = "airflow3_exception_key"
    return inner


LONG_TAIL_PY = [
    (
        "ArrowInvalid",
        "Could not convert 'N/A' with type str: tried to convert to double",
        "pyarrow.lib",
        "data_quality",
        ("user_code",),
    ),
    ("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)", "json.decoder", "user_code", ("data_quality",)),
    (
        "ParserError",
        "Error tokenizing data. C error: Expected 5 fields in line 1203, saw 7",
        "pandas.errors",
        "data_quality",
        ("user_code",),
    ),
    (
        "ProgrammingError",
        "002003 (42S02): SQL compilation error:\nObject 'RAW.PUBLIC.ORDERS' does not exist or not authorized.",
        "snowflake.connector.errors",
        "resource_missing",
        ("permission_denied",),
    ),
    (
        "NotFound",
        "404 Not found: Table analytics-prod:reporting.daily_revenue was not found in location US",
        "google.api_core.exceptions",
        "resource_missing",
        (),
    ),
    (
        "ConnectionError",
        "Error 111 connecting to redis.internal:6379. Connection refused.",
        "redis.exceptions",
        "connection",
        (),
    ),
    (
        "_ArrayMemoryError",
        "Unable to allocate 7.45 GiB for an array with shape (1000000000,) and data type float64",
        "numpy.core._exceptions",
        "out_of_memory",
        (),
    ),
    (
        "ProgrammingError",
        '(psycopg2.errors.UndefinedColumn) column "open_date" does not exist\nLINE 1: SELECT id, '
        "open_date FROM staging.accounts",
        "sqlalchemy.exc",
        "schema_mismatch",
        (),
    ),
    ("NoCredentialsError", "Unable to locate credentials", "botocore.exceptions", "permission_denied", ()),
    ("NoBrokersAvailable", "NoBrokersAvailable", "kafka.errors", "connection", ()),
    ("UndefinedError", "'dict object' has no attribute 'ds_nodash'", "jinja2.exceptions", "user_code", ("syntax",)),
    (
        "AirflowNotFoundException",
        "The conn_id `warehouse_pg` isn't defined",
        "airflow.exceptions",
        "resource_missing",
        ("dependency_missing",),
    ),
    (
        "HTTPError",
        "503 Server Error: Service Unavailable for url: https://api.partner.example.com/v2/orders",
        "requests.exceptions",
        "connection",
        ("upstream_not_ready", "unknown"),
    ),
]

LONG_TAIL_BASH = [
    (
        "gsutil: CommandException: No URLs matched: gs://raw-landing/2024-03-05/*.csv",
        1,
        "resource_missing",
        (),
        "No URLs matched",
    ),
    (
        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
        1,
        "out_of_memory",
        (),
        "OutOfMemoryError",
    ),
    (
        "/opt/scripts/ingest.sh: line 12:  4242 Killed                  python3 /opt/scripts/transform.py",
        137,
        "killed",
        ("out_of_memory",),
        "Killed",
    ),
    ('ERROR:  relation "staging.orders" does not exist', 3, "resource_missing", (), "does not exist"),
    (
        'put: Permission denied: user=airflow, access=WRITE, inode="/warehouse/raw":hdfs:supergroup:drwxr-xr-x',
        1,
        "permission_denied",
        (),
        "Permission denied",
    ),
    (
        "curl: (28) Operation timed out after 30001 milliseconds with 0 bytes received",
        28,
        "timeout",
        ("connection",),
        "Operation timed out",
    ),
    ("curl: (6) Could not resolve host: api.partner.example.com", 6, "connection", (), "Could not resolve host"),
    (
        "python3: can't open file '/opt/scripts/transform.py': [Errno 2] No such file or directory",
        2,
        "resource_missing",
        ("dependency_missing",),
        "can't open file",
    ),
    ("aws: error: argument --bucket is required", 252, "syntax", ("user_code",), "argument --bucket is required"),
]


def s_long_tail_python(r: random.Random, c: Ctx) -> Scenario:
    """Exceptions whose wording is in no reference list: tests generic traceback handling, not pattern recall."""
    etype, value, module, category, alts = r.choice(LONG_TAIL_PY)
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS", "Zookeeper"]), sz(r), APP),
        *stderr_noise(r, r.randint(0, 4)),
        task_fail(
            Exc(etype, value, module, user_frames(c.dag_id, "run_step", r.randint(20, 300), "step()"), gold=True)
        ),
    ]
    return Scenario(
        "long_tail_python", "PythonOperator", category, items, alts, exception_type=etype, task_id="run_step"
    )


def s_long_tail_bash(r: random.Random, c: Ctx) -> Scenario:
    line, code, category, alts, gold = r.choice(LONG_TAIL_BASH)
    items: list[Ev | BG] = [
        *bash_start("/opt/scripts/nightly.sh"),
        BG(r.choice(["HDFS", "Zookeeper"]), sz(r), BASH),
        Ev("log", line, "info", BASH, gold=gold),
        BG("HDFS", r.randint(0, 3), BASH),
        *bash_fail(code),
    ]
    return Scenario("long_tail_bash", "BashOperator", category, items, alts, task_id="nightly_script")


def s_handled_distractor(r: random.Random, c: Ctx) -> Scenario:
    """An earlier error that was retried and recovered (full traceback, ERROR level), then the real failure."""
    http = Src("etl.http", "http.py", 201)
    url = "https://api.partner.example.com/v2/orders?page=1"
    handled = Exc(
        "ReadTimeout",
        "HTTPSConnectionPool(host='api.partner.example.com', port=443): Read timed out. (read timeout=30)",
        "requests.exceptions",
        py_frames(("requests/adapters.py", 713, "send", "raise ReadTimeout(e, request=request)")),
    )
    inner = r.choice([s_trino_column, s_python_exc, s_long_tail_python, s_sql_check])(r, c)
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS"]), sz(r, 10, 200), APP),
        Ev("exc", f"Attempt 1 of 3 failed for GET {url}; retrying in 30s", "error", http, chain=[handled]),
        Ev("log", f"Attempt 2 of 3 for GET {url} succeeded (200, 1834 records)", "info", http),
        *inner.items,
    ]
    return Scenario(
        "handled_error_distractor",
        inner.operator,
        inner.category,
        items,
        inner.alternatives,
        inner.exception_type,
        task_id=inner.task_id,
    )


def s_noisy_background(r: random.Random, c: Ctx) -> Scenario:
    """Background with its own unrelated ERROR/WARN lines (unfiltered Zookeeper/Hadoop samples), then the failure."""
    inner = r.choice([s_trino_table, s_python_exc, s_bash_exit, s_long_tail_python])(r, c)
    src = BASH if inner.operator == "BashOperator" else APP
    noisy = BG(r.choice(["Zookeeper", "Hadoop"]), r.randint(400, 1500), src, keep_errors=True, start=r.randint(0, 400))
    items = list(inner.items)
    at = next(i for i, it in enumerate(items) if isinstance(it, Ev) and (it.gold or it.kind == "exc"))
    items.insert(at, noisy)
    return Scenario(
        "noisy_background",
        inner.operator,
        inner.category,
        items,
        inner.alternatives,
        inner.exception_type,
        task_id=inner.task_id,
    )


SCENARIOS: dict[str, Callable[[random.Random, Ctx], Scenario]] = {
    "trino_column_not_found": s_trino_column,
    "trino_syntax": s_trino_syntax,
    "trino_table_not_found": s_trino_table,
    "trino_permission": s_trino_permission,
    "trino_time_limit": s_trino_timeout,
    "trino_cli_column": s_trino_cli,
    "spark_unresolved_column": s_spark_unresolved,
    "spark_caused_by_chain": s_spark_chain,
    "spark_executor_lost_137": s_spark_137,
    "yarn_memory_far": s_yarn_far,
    "cause_at_warn": s_warn_cause,
    "k8s_oomkilled": s_k8s_oom,
    "python_exception": s_python_exc,
    "python_chain": s_python_chain,
    "execution_timeout": s_timeout,
    "sensor_timeout": s_sensor,
    "dbt": s_dbt,
    "bash_exit_code": s_bash_exit,
    "sql_check_failed": s_sql_check,
    "no_cause": s_no_cause,
    "long_tail_python": s_long_tail_python,
    "long_tail_bash": s_long_tail_bash,
    "handled_error_distractor": s_handled_distractor,
    "noisy_background": s_noisy_background,
}
# Kinds generated a fixed number of times (expensive or special).
SPECIAL = ("hadoop_natural", "cascade_10k", "multi_attempt", "big_line", "airflow3_exception_key", "ansi_dbt")

DAGS = ["reports_daily", "orders_etl", "finance_close", "marketing_attribution", "clickstream", "warehouse_sync"]
HOSTS = ["worker-0.airflow.svc", "worker-1.airflow.svc", "airflow-worker-7c9f5", "ip-10-0-3-21.ec2.internal"]


# ------------------------------------------------------------------------------------------------ cases


@dataclass
class Case:
    case_id: str
    kind: str
    fmt: str
    spec: Callable[[random.Random, Ctx], Scenario]
    variants: list[str]
    attempts: int = 1
    earlier: Callable[[random.Random, Ctx], Scenario] | None = None


def plan(seed: int, per_kind: int = 4) -> list[Case]:
    r = random.Random(seed)
    cases: list[Case] = []

    def add(
        kind: str,
        fmt: str,
        spec: Callable[[random.Random, Ctx], Scenario],
        variants: list[str] | None = None,
        **kw: Any,
    ) -> None:
        if variants is None:
            variants = [v for v in ("crlf", "gzip", "map_index") if r.random() < 0.1]
            if fmt == "airflow2" and r.random() < 0.1:
                variants.append("ansi")
        cases.append(Case(f"c{len(cases) + 1:03d}", kind, fmt, spec, variants, **kw))

    for fmt in ("airflow3", "airflow2"):
        for kind, spec in SCENARIOS.items():
            for _ in range(per_kind):
                add(kind, fmt, spec)
        # guaranteed hard variants, each in both formats
        add("hadoop_natural", fmt, s_hadoop_natural, [])
        add("cascade_10k", fmt, s_hadoop_cascade, [])
        add("cascade_10k", fmt, s_python_cascade, ["gzip"])
        add("big_line", fmt, s_big_line, [])
        add("ansi_dbt", fmt, lambda rr, cc: _renamed(s_dbt(rr, cc, ansi=True), "ansi_dbt"), ["ansi"])
        for v in ("crlf", "gzip", "ansi", "map_index"):
            for spec in (s_trino_column, s_spark_chain, s_python_chain):
                if v == "ansi" and fmt == "airflow3":
                    continue
                add(spec(random.Random(0), _dummy_ctx()).kind, fmt, spec, [v])
        for n in (2, 3):
            add(
                "multi_attempt",
                fmt,
                r.choice([s_trino_column, s_python_exc, s_spark_unresolved, s_dbt]),
                [],
                attempts=n,
                earlier=r.choice([s_bash_exit, s_python_chain, s_trino_permission]),
            )
            add("multi_attempt", fmt, s_no_cause, [], attempts=n, earlier=s_trino_syntax)
    add("airflow3_exception_key", "airflow3", s_airflow3_exception_key, [])
    add("airflow3_exception_key", "airflow3", s_airflow3_exception_key, ["gzip"])
    return cases


def _renamed(s: Scenario, kind: str) -> Scenario:
    s.kind = kind
    return s


def _dummy_ctx() -> Ctx:
    return Ctx(random.Random(0), "d", "r", "t", 1, 1, -1, datetime(2024, 1, 1, tzinfo=UTC), "x", 1, 1, "h", [])


def make_ctx(r: random.Random, case: Case, index: int, big_line_mb: float, cascade: int) -> Ctx:
    """Identity of the case (shared by its attempts); `for_attempt` derives each attempt's context."""
    start = datetime(2024, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=index, minutes=r.randint(0, 600))
    return Ctx(
        rng=r,
        dag_id=DAGS[index % len(DAGS)],
        run_id=f"scheduled__{start:%Y-%m-%dT%H:%M:%S}+00:00" if index % 4 else f"manual__{start.isoformat()}",
        task_id="",
        try_number=1,
        max_tries=max(case.attempts, 2 if index % 3 else 1),
        map_index=r.randint(0, 7) if "map_index" in case.variants else -1,
        start=start,
        ti_id="",
        job_id=0,
        pid=0,
        host="",
        ctx_order=[],
        big_line_mb=big_line_mb,
        cascade_lines=cascade,
    )


def for_attempt(base: Ctx, attempt: int) -> Ctx:
    r = base.rng
    keys = ["dag_id", "run_id", "task_id", "try_number", "ti_id", "map_index"]
    r.shuffle(keys)
    ti = (
        f"01{r.getrandbits(40):010x}-{r.getrandbits(16):04x}-7{r.getrandbits(12):03x}-{r.getrandbits(16):04x}-"
        f"{r.getrandbits(48):012x}"
    )
    return replace(
        base,
        try_number=attempt,
        start=base.start + timedelta(minutes=7 * (attempt - 1)),
        ti_id=ti,
        job_id=r.randint(100, 99999),
        pid=r.randint(100, 60000),
        host=r.choice(HOSTS),
        ctx_order=keys,
    )


def ansi_a2(line: str, r: random.Random) -> str:
    m = re.match(r"^\[([^\]]+)\] \{([^}]+)\} ([A-Z]+) - ", line)
    if not m:
        return line
    colour = {"ERROR": "31", "WARNING": "33", "CRITICAL": "31;1"}.get(m.group(3), "32")
    head = (
        f"\x1b[34m[\x1b[0m\x1b[34m{m.group(1)}\x1b[0m\x1b[34m]\x1b[0m {{\x1b[34m{m.group(2)}\x1b[0m}} "
        f"\x1b[{colour}m{m.group(3)}\x1b[0m - "
    )
    return head + line[m.end() :]


def write_case(
    out: Path, case: Case, index: int, seed: int, data: Data, big_line_mb: float, cascade: int
) -> dict[str, Any]:
    r = random.Random(f"{seed}:{case.case_id}")
    label: dict[str, Any] = {}
    files: list[str] = []
    base = make_ctx(r, case, index, big_line_mb, cascade)
    for attempt in range(1, case.attempts + 1):
        latest = attempt == case.attempts
        ctx = for_attempt(base, attempt)
        spec = case.spec if latest or case.earlier is None else case.earlier
        scen = spec(r, ctx)
        base.task_id = ctx.task_id = base.task_id or scen.task_id
        rend = Renderer(case.fmt, ctx, data)
        for item in scen.items:
            if isinstance(item, BG) and item.n < 0:
                item.n = len(data.raw[item.source])
        rend.render(scen)
        lines = rend.lines
        gold = list(rend.gold)
        if scen.kind in ("hadoop_natural",) and latest:
            gold = _natural_gold(lines)
        if "ansi" in case.variants and case.fmt == "airflow2":
            lines = [ansi_a2(ln, r) for ln in lines]
        rel = f"dag_id={ctx.dag_id}/run_id={ctx.run_id}/task_id={ctx.task_id}/"
        rel += f"map_index={ctx.map_index}/" if ctx.map_index >= 0 else ""
        rel += f"attempt={attempt}.log"
        nl = "\r\n" if "crlf" in case.variants else "\n"
        payload = (nl.join(lines) + nl).encode("utf-8")
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if "gzip" in case.variants:
            rel += ".gz"
            with open(out / rel, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
                gz.write(payload)
        else:
            path.write_bytes(payload)
        files.append(rel)
        if latest:
            if scen.no_cause:
                gold = []
                if case.fmt == "airflow3":
                    scen.alternatives = (*scen.alternatives, "unknown")
            label = {
                "case_id": case.case_id,
                "kind": case.kind,
                "format": case.fmt,
                "variants": case.variants,
                "dag_id": ctx.dag_id,
                "run_id": ctx.run_id,
                "task_id": ctx.task_id,
                "try_number": attempt,
                "map_index": ctx.map_index if ctx.map_index >= 0 else None,
                "call": {
                    "dag_id": ctx.dag_id,
                    "run_id": ctx.run_id,
                    "task_id": ctx.task_id,
                    **({"map_index": ctx.map_index} if ctx.map_index >= 0 else {}),
                },
                "path": rel,
                "attempt_files": files,
                "lines_total": len(lines),
                "gold_lines": sorted({g["line"] for g in gold}),
                "gold": gold,
                "no_cause": scen.no_cause,
                "error_category": scen.category,
                "category_alternatives": list(scen.alternatives),
                "exception_type": scen.exception_type,
                "operator": scen.operator,
                "scenario": scen.kind,
            }
    return label


def _natural_gold(lines: list[str]) -> list[dict[str, Any]]:
    gold = []
    first_rm = True
    for i, ln in enumerate(lines, 1):
        if "FATAL" in ln and "NoRouteToHostException" in ln:
            gold.append({"line": i, "contains": "NoRouteToHostException"})
        elif "ERROR IN CONTACTING RM" in ln and first_rm:
            first_rm = False
            gold.append({"line": i, "contains": "ERROR IN CONTACTING RM"})
    return gold


def generate(
    out: Path,
    seed: int = 7,
    per_kind: int = 4,
    big_line_mb: float = 50.0,
    cascade_lines: int = 10_000,
    data: Data | None = None,
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Write the corpus under `out` and return the labels (also written to out/labels.json)."""
    data = data or Data()
    out.mkdir(parents=True, exist_ok=True)
    labels = []
    for index, case in enumerate(plan(seed, per_kind)):
        if only is not None and case.case_id not in only and case.kind not in only:
            continue
        labels.append(write_case(out, case, index, seed, data, big_line_mb, cascade_lines))
    meta = {
        "generator": fingerprint(),
        "seed": seed,
        "per_kind": per_kind,
        "big_line_mb": big_line_mb,
        "cascade_lines": cascade_lines,
        "cases": labels,
    }
    (out / "labels.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    return labels


def fingerprint() -> str:
    """Changes whenever this generator changes, so a stored corpus can be recognised as stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def read_lines(path: Path) -> Iterator[str]:
    """Physical lines of a corpus file (gzip-aware), without their line terminator."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        for raw in fh:
            yield raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument("--big-line-mb", type=float, default=50.0)
    ap.add_argument("--cascade-lines", type=int, default=10_000)
    a = ap.parse_args(argv)
    labels = generate(a.out, a.seed, a.per_kind, a.big_line_mb, a.cascade_lines)
    size = sum(p.stat().st_size for p in a.out.rglob("attempt=*"))
    sys.stdout.write(f"{len(labels)} cases, {size / 1e6:.1f} MB under {a.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
