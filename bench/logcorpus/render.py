"""Renders a scenario's events into the physical lines of an Airflow 3 (JSON) or Airflow 2 (text) task log."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from oncall_mcp.suite.demo.airflow_log import RUNNER_FRAMES, SITE, error_detail, json_line, timestamp

from .data import Data
from .model import BASH, BG, POD, SPARK, SQL_OP, TASK, Ctx, Ev, Exc, Frame, Scenario, Src


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
        return timestamp(self.tick())

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
        return json_line(rec)

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
                self.emit(json_line(rec), ev.gold)
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
                is_cause = i > 0 and chain[len(chain) - i - 1].link == "cause"
                detail.append(error_detail(exc.type, exc.value, [(f.path, f.lineno, f.name) for f in frames], is_cause))
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
                self.emit(json_line(rec))
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
                self.emit(json_line(rec))
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


A3_RUNTIME = [Frame(path, lineno, name) for path, lineno, name in RUNNER_FRAMES]
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
