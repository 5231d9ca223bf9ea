"""find_failure on one attempt log written from lines: the helpers the ranking, final-failure and category tests
share, and the lines an Airflow 2 failure and an Airflow 3 BashOperator failure end with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.suite.demo.airflow_log import error_detail
from tests.airflow_logs.logs import RUN, af2, j, write
from tests.nextsteps import assert_steps_runnable

BASH = "airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook"
AF2_FAILED = [
    af2("INFO", "Marking task as FAILED. dag_id=d, task_id=t", "taskinstance.py:1206", 3000),
    af2("INFO", "Task exited with return code 1", "local_task_job_runner.py:234", 3001),
]


def af3_bash_failed(code: int) -> str:
    """The Airflow 3 line a BashOperator ends with when its command exits with `code`."""
    message = f"Bash command failed. The command returned a non-zero exit code {code}."
    return j("error", "Task failed with exception", error_detail=[error_detail("AirflowException", message, [])])


async def find_failure_in(tmp_path: Path, lines: list[str]) -> dict[str, Any]:
    """find_failure's answer, through the MCP client, for a log of `lines` (dag d, task t, attempt 1)."""
    write(tmp_path, f"dag_id=d/run_id={RUN}/task_id=t/attempt=1.log", "\n".join(lines) + "\n")
    server = build_server(AirflowLogsSettings(source=str(tmp_path)))
    async with Client(server.mcp) as c:
        r = await c.call_tool("find_failure", {"dag_id": "d", "run_id": RUN, "task_id": "t"})
    assert not r.is_error, r.content
    return r.structured_content


async def find_failure_checked(tmp_path: Path, lines: list[str]) -> dict[str, Any]:
    """`find_failure_in`, also checking that every next step of the answer is runnable."""
    d = await find_failure_in(tmp_path, lines)
    assert_steps_runnable(d)
    return d


def top(d: dict[str, Any]) -> dict[str, Any]:
    return d["root_cause_lines"][0]
