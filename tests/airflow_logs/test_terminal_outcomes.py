"""How an attempt ended, as Airflow 2 (text) and Airflow 3 (JSON lines) write it: kills by signal (OOM/SIGKILL),
zombies and lost heartbeats, execution timeouts. Each must be listed by list_failed_tasks with a failed (or
up_for_retry) outcome and get a category from find_failure.

The Airflow 3 strings are the supervisor's (airflow/sdk/execution_time/supervisor.py: `Process terminated by signal.`
+ ` Likely out of memory error (OOM).` for SIGKILL, `Server indicated the task shouldn't be running anymore.
Terminating process`, `Task killed!`); the Airflow 2 ones are the scheduler's zombie message written to the task log
(`Detected zombie job: {...}`) and the local task job's `State of this instance has been externally set to ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.suite.demo.airflow_log import error_detail
from tests.airflow_logs.logs import RUN, af2, af2_noise, j, noise_json, traceback, write
from tests.nextsteps import assert_steps_runnable

SUPERVISOR = "supervisor"
TROUBLESHOOTING = "https://airflow.apache.org/docs/apache-airflow/stable/troubleshooting.html"
ZOMBIE = (
    "Detected zombie job: {'full_filepath': '/opt/airflow/dags/rollup.py', 'processor_subdir': '/opt/airflow/dags', "
    "'msg': \"{'DAG Id': 'd', 'Task Id': 't', 'Run Id': '" + RUN + "', 'Hostname': 'airflow-worker-7f9c', "
    "'External Executor Id': '6b40704f-96ca-413d-91c7-1b50efdad27f'}\", 'simple_task_instance': "
    "<airflow.models.taskinstance.SimpleTaskInstance object at 0x7f3a2c1d0e50>, 'is_failure_callback': True} "
    "(See https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/tasks.html#zombie-undead-tasks)"
)


def af3_oom() -> list[str]:
    return [
        *noise_json(30, "t"),
        j(
            "critical",
            "Process terminated by signal. Likely out of memory error (OOM). For more information, see "
            f"{TROUBLESHOOTING}#process-terminated-by-signal.",
            SUPERVISOR,
            signal=-9,
            signal_name="SIGKILL",
        ),
    ]


def af3_sigterm() -> list[str]:
    return [
        *noise_json(30, "t"),
        j(
            "error",
            f"Process terminated by signal. For more information, see {TROUBLESHOOTING}#process-terminated-by-signal.",
            SUPERVISOR,
            signal=-15,
            signal_name="SIGTERM",
        ),
    ]


def af3_heartbeat_rejected() -> list[str]:
    return [
        *noise_json(30, "t"),
        j(
            "error",
            "Server indicated the task shouldn't be running anymore. Terminating process",
            SUPERVISOR,
            detail={"reason": "not_running", "message": "TI is no longer in the running state"},
        ),
        j("error", "Task killed!", SUPERVISOR),
    ]


def af3_exited_abnormally() -> list[str]:
    return [*noise_json(30, "t"), j("warning", "Process exited abnormally", SUPERVISOR, exit_code=1)]


def af2_zombie() -> list[str]:
    return [*af2_noise(30), af2("ERROR", ZOMBIE, "scheduler_job_runner.py:1746", 300)]


def af2_externally_failed() -> list[str]:
    return [
        *af2_noise(30),
        af2(
            "WARNING",
            "State of this instance has been externally set to failed. Terminating instance.",
            "local_task_job_runner.py:302",
            300,
        ),
        af2("INFO", "Sending Signals.SIGTERM to group 5102. PIDs of all processes in the group: [5102]", sec=301),
    ]


def af2_externally_up_for_retry() -> list[str]:
    return [
        *af2_noise(30),
        af2(
            "WARNING",
            "State of this instance has been externally set to up_for_retry. Terminating instance.",
            "local_task_job_runner.py:302",
            300,
        ),
    ]


def af2_sigkill() -> list[str]:
    return [
        *af2_noise(30),
        af2(
            "INFO",
            f"Task exited with return code Negsignal.SIGKILL. For more information, see {TROUBLESHOOTING}"
            "#LocalTaskJob-killed",
            "local_task_job_runner.py:234",
            300,
        ),
    ]


def af2_execution_timeout() -> list[str]:
    return [
        *af2_noise(30),
        af2("ERROR", "Process timed out, PID: 5102", "timeout.py:68", 300),
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 300),
        *traceback("/opt/airflow/dags/rollup.py"),
        "airflow.exceptions.AirflowTaskTimeout: Timeout, PID: 5102",
        af2("INFO", "Marking task as UP_FOR_RETRY. dag_id=d, task_id=t", "taskinstance.py:1206", 301),
        af2("INFO", "Task exited with return code 1", "local_task_job_runner.py:234", 302),
    ]


def af3_execution_timeout() -> list[str]:
    return [
        *noise_json(30, "t"),
        j("error", "Process timed out", "airflow.sdk.execution_time.timeout", pid=5102),
        j(
            "error",
            "Task failed with exception",
            error_detail=[error_detail("AirflowTaskTimeout", "Timeout, PID: 5102", [])],
        ),
    ]


async def tools(tmp_path: Path, lines: list[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(list_failed_tasks, list_attempts, find_failure) over one log d/t attempt 1."""
    write(tmp_path, f"dag_id=d/run_id={RUN}/task_id=t/attempt=1.log", "\n".join(lines) + "\n")
    server = build_server(AirflowLogsSettings(source=str(tmp_path)))
    async with Client(server.mcp) as c:
        out = []
        for tool, args in (
            ("list_failed_tasks", {}),
            ("list_attempts", {"dag_id": "d"}),
            ("find_failure", {"dag_id": "d", "run_id": RUN, "task_id": "t"}),
        ):
            r = await c.call_tool(tool, args)
            assert not r.is_error, r.content
            assert_steps_runnable(r.structured_content)
            out.append(r.structured_content)
    return out[0], out[1], out[2]


# (lines, outcome, category). af2_sigkill and af3_execution_timeout were recognised before too (regression cases);
# af2_execution_timeout was listed as failed: 'Task exited with return code 1' after 'Marking task as UP_FOR_RETRY'
# won because it was newer, now an explicit state line wins over a newer process-exit line.
CASES = {
    "af3_oom_sigkill": (af3_oom, "failed", "out_of_memory"),
    "af3_terminated_by_sigterm": (af3_sigterm, "failed", "killed"),
    "af3_heartbeat_rejected": (af3_heartbeat_rejected, "failed", "killed"),
    "af3_exited_abnormally": (af3_exited_abnormally, "failed", "unknown"),
    "af2_zombie": (af2_zombie, "failed", "killed"),
    "af2_externally_failed": (af2_externally_failed, "failed", "killed"),
    "af2_externally_up_for_retry": (af2_externally_up_for_retry, "up_for_retry", "killed"),
    "af2_sigkill": (af2_sigkill, "failed", "killed"),
    "af2_execution_timeout": (af2_execution_timeout, "up_for_retry", "timeout"),
    "af3_execution_timeout": (af3_execution_timeout, "failed", "timeout"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_terminal_outcome_is_listed_as_failed(tmp_path: Path, case: str) -> None:
    build, outcome, category = CASES[case]
    failed, attempts, report = await tools(tmp_path, build())
    assert [(a["task_id"], a["outcome"]) for a in failed["attempts"]] == [("t", outcome)]
    assert attempts["attempts"][0]["outcome"] == outcome
    assert report["outcome"] == outcome
    assert report["error_category"] == category


async def test_oom_kill_names_memory_and_points_outside_the_log(tmp_path: Path) -> None:
    *_, report = await tools(tmp_path, af3_oom())
    top = report["root_cause_lines"][0]
    assert "Likely out of memory error (OOM)" in top["text"] and top["line_number"] == 31
    assert "OOMKilled" in report["next_steps_text"]
    assert any(s["tool"] in ("compare_attempts", "list_attempts") for s in assert_steps_runnable(report))
