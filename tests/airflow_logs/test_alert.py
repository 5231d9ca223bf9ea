"""task_from_alert: Airflow 2 and 3 UI links and alert texts → the task instance, only for allowed hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.shared.app import OncallServer
from tests.client import call, call_error, connected
from tests.nextsteps import assert_steps_runnable

HOSTS = "airflow.corp.example, airflow3.corp.example:8080"
RUN = "manual__2024-05-01T00:00:00+00:00"
RUN_URL = "manual__2024-05-01T00%3A00%3A00%2B00%3A00"

CASES: list[tuple[str, dict[str, Any]]] = [
    (  # Airflow 2.9+ failure email / ti.log_url: grid view, logs tab
        f"https://airflow.corp.example/dags/orders_etl/grid?dag_run_id={RUN_URL}&task_id=load.orders"
        "&map_index=-1&tab=logs",
        {"dag_id": "orders_etl", "run_id": RUN, "task_id": "load.orders", "map_index": None, "airflow_version": "2"},
    ),
    (  # Airflow 2 graph view of a mapped task, `+` left raw in the query
        "https://airflow.corp.example/dags/orders_etl/graph?dag_run_id=scheduled__2024-05-01T00:00:00+00:00"
        "&task_id=fan_out&map_index=3",
        {"run_id": "scheduled__2024-05-01T00:00:00+00:00", "task_id": "fan_out", "map_index": 3},
    ),
    (  # Airflow 2 < 2.9 log view: an execution date, not a run id
        "https://airflow.corp.example/log?execution_date=2024-05-01T00%3A00%3A00%2B00%3A00&task_id=extract"
        "&dag_id=orders_etl&map_index=-1&try_number=2",
        {"run_id": None, "logical_date": "2024-05-01T00:00:00+00:00", "task_id": "extract", "try_number": 2},
    ),
    (  # Airflow 2 task instance list filter
        f"https://airflow.corp.example/taskinstance/list/?_flt_0_dag_id=orders_etl&_flt_0_task_id=extract"
        f"&_flt_0_run_id={RUN_URL}",
        {"dag_id": "orders_etl", "run_id": RUN, "task_id": "extract"},
    ),
    (  # Airflow 3 ti.log_url of a mapped task, behind a base path and port
        f"http://airflow3.corp.example:8080/airflow/dags/orders_etl/runs/{RUN_URL}/tasks/fan_out/mapped/7?try_number=3",
        {"run_id": RUN, "task_id": "fan_out", "map_index": 7, "try_number": 3, "airflow_version": "3"},
    ),
    (  # Airflow 3 task instance page
        f"http://airflow3.corp.example:8080/dags/orders_etl/runs/{RUN_URL}/tasks/extract",
        {"run_id": RUN, "task_id": "extract", "try_number": None, "airflow_version": "3"},
    ),
    (  # Airflow's default failure email
        "Airflow alert: <TaskInstance: orders_etl.extract scheduled__2024-05-01T00:00:00+00:00 [failed]>\n"
        "Try 2 out of 3<br>Exception:<br>KeyError: 'amount'<br>"
        "Log: <a href='https://airflow.corp.example/dags/orders_etl/grid?dag_run_id=scheduled__2024-05-01T00%3A00"
        "%3A00%2B00%3A00&task_id=extract&map_index=-1&tab=logs'>Link</a><br>Host: worker-1<br>",
        {"run_id": "scheduled__2024-05-01T00:00:00+00:00", "task_id": "extract", "try_number": 2},
    ),
    (  # a Slack failure callback (mrkdwn), link in Slack's <url|label> form
        ":red_circle: Task Failed.\n*Task*: extract\n*Dag*: orders_etl\n*Run ID*: "
        f"{RUN}\n*Log Url*: <http://airflow3.corp.example:8080/dags/orders_etl/runs/{RUN_URL}/tasks/extract"
        "?try_number=1|View log>",
        {"run_id": RUN, "task_id": "extract", "try_number": 1},
    ),
    (  # plain callback text, no link
        f"Task failed: orders_etl.extract. DAG: orders_etl, Task: extract, Run ID: {RUN}, Try: 4",
        {"run_id": RUN, "task_id": "extract", "try_number": 4, "link": None},
    ),
]


def alert_server(hosts: str = HOSTS) -> OncallServer:
    return build_server(AirflowLogsSettings(source="/tmp", airflow_hosts=hosts))


@pytest.mark.parametrize(("alert", "expected"), CASES, ids=[f"case{i}" for i in range(len(CASES))])
async def test_alert_names_the_task_instance(alert: str, expected: dict[str, Any]) -> None:
    d = await call(alert_server(), "task_from_alert", alert=alert)
    assert d["dag_id"] == expected.get("dag_id", "orders_etl")
    for name, value in expected.items():
        assert d[name] == value, (name, d)
    steps = assert_steps_runnable(d)
    first = steps[0]
    if d["run_id"] and d["task_id"]:
        args = {k: d[k] for k in ("dag_id", "run_id", "task_id", "try_number", "map_index") if d[k] is not None}
        assert (first["tool"], first["arguments"]) == ("find_failure", args)
    else:
        assert first["tool"] == "list_attempts" and first["arguments"]["dag_id"] == "orders_etl"


async def test_a_host_outside_the_allowlist_is_refused_by_name(tmp_path: Path) -> None:
    text = await call_error(
        alert_server(), "task_from_alert", alert=f"https://evil.example/dags/orders_etl/runs/{RUN_URL}/tasks/extract"
    )
    assert "evil.example" in text and "airflow.corp.example" in text and "airflow3.corp.example:8080" in text
    # allowed only on port 8080
    await call_error(alert_server(), "task_from_alert", alert="https://airflow3.corp.example/dags/orders_etl/grid")
    alert = f"https://airflow.corp.example/dags/orders_etl/runs/{RUN_URL}/tasks/extract"
    assert "OCM_AIRFLOW_LOGS_AIRFLOW_HOSTS" in await call_error(alert_server(hosts=""), "task_from_alert", alert=alert)


async def test_alerts_without_a_task_or_with_bad_ids_are_clear_errors() -> None:
    async with connected(alert_server()) as client:
        assert "no task instance" in await client.call_error("task_from_alert", alert="the nightly load is late again")
        assert "task_id" in await client.call_error("task_from_alert", alert="DAG: orders_etl, Task: ../../etc/passwd")
        assert "names no DAG" in await client.call_error("task_from_alert", alert="https://airflow.corp.example/home")
