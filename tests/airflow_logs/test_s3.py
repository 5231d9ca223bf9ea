"""The same tools against a real S3-compatible server process (moto_server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.airflow_logs.logs import RUN, TRINO_QID, build_tree
from tests.harness import free_port

pytestmark = pytest.mark.engine


async def test_s3_end_to_end(s3_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    client = s3_server.client()
    client.create_bucket(Bucket="airflow-logs")
    root = build_tree(tmp_path)
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            client.put_object(
                Bucket="airflow-logs", Key=f"prod/logs/{path.relative_to(root).as_posix()}", Body=path.read_bytes()
            )
    client.put_object(Bucket="airflow-logs", Key="other/secret.log", Body=b"SECRET ERROR\n")
    settings = AirflowLogsSettings(
        source="s3://airflow-logs/prod/logs", s3_endpoint_url=s3_server.endpoint_url, chunk_bytes=64 * 1024
    )
    server = build_server(settings)
    async with Client(server.mcp) as c:
        r = await c.call_tool("find_failure", {"dag_id": "reports_daily", "run_id": RUN, "task_id": "load_reports"})
        d = r.structured_content
        assert d["error_category"] == "schema_mismatch" and d["root_cause_lines"][0]["line_number"] == 36
        assert TRINO_QID in d["identifiers"]["trino_query_ids"]
        r = await c.call_tool("find_failure", {"dag_id": "spark_etl", "run_id": RUN, "task_id": "transform"})
        assert r.structured_content["root_cause_lines"][0]["line_number"] == 207
        r = await c.call_tool("find_failure", {"dag_id": "gz", "run_id": RUN, "task_id": "cut"})
        assert r.structured_content["truncation"]["truncated"] is True
        r = await c.call_tool(
            "find_failure", {"dag_id": "reports_daily", "run_id": RUN, "task_id": "load_reports", "try_number": 5}
        )
        assert r.is_error and "attempts present: 1, 2" in r.content[0].text
        r = await c.call_tool("list_failed_tasks", {"dag_id": "reports_daily"})
        assert [a["task_id"] for a in r.structured_content["attempts"]] == ["load_reports", "wait_upstream"]
        ref = f"dag_id=spark_etl/run_id={RUN}/task_id=transform/attempt=2.log"
        r = await c.call_tool("read_log", {"log_ref": ref, "around_line": 207, "max_lines": 3})
        assert [ln["line_number"] for ln in r.structured_content["lines"]] == [206, 207, 208]
        r = await c.call_tool("read_log", {"log_ref": "../../other/secret.log"})
        assert r.is_error and "SECRET" not in r.content[0].text
        r = await c.call_tool("search_logs", {"query": "column cannot be resolved"})
        assert r.structured_content["hits"]
    # unreachable S3: a clear error, quickly, and no credentials in it
    dead = build_server(  # the first build's wait covers botocore's retries (~3 s) on a loaded machine too
        AirflowLogsSettings(
            source="s3://airflow-logs/prod", s3_endpoint_url=f"http://127.0.0.1:{free_port()}", index_wait_s=60
        )
    )
    async with Client(dead.mcp) as c:
        r = await c.call_tool("list_failed_tasks", {})
        assert r.is_error and "unreachable" in r.content[0].text
        assert os.environ["AWS_SECRET_ACCESS_KEY"] not in r.content[0].text
