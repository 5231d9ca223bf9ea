from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.airflow_logs.logs import RUN, build_tree
from tests.harness import check_conformance, check_stdout_is_protocol_only

HERE = Path(__file__).parent


async def test_conformance(tmp_path: Path) -> None:
    server = build_server(AirflowLogsSettings(source=str(build_tree(tmp_path))))
    await check_conformance(
        server,
        HERE / "snapshots" / "tools_list.json",
        ("find_failure", {"dag_id": "reports_daily", "run_id": RUN, "task_id": "load_reports"}),
    )


@pytest.mark.process
def test_stdout_is_protocol_only(tmp_path: Path) -> None:
    root = build_tree(tmp_path)
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.airflow_logs",
        {"OCM_AIRFLOW_LOGS_SOURCE": str(root)},
        {"name": "find_failure", "arguments": {"dag_id": "nope", "run_id": "r", "task_id": "t"}},
    )
    assert any(m.get("id") == 4 and m["result"]["isError"] for m in msgs)
