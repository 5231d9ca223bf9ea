from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.servers.trino.server import build_server
from oncall_mcp.servers.trino.settings import TrinoSettings
from tests.harness import check_conformance, check_stdout_is_protocol_only

HERE = Path(__file__).parent


async def test_conformance() -> None:
    server = build_server(TrinoSettings(host="127.0.0.1", port=1, spark_mode="local"))
    await check_conformance(server, HERE / "snapshots" / "tools_list.json", ("check_sql", {"sql": "SELECT 1"}))


@pytest.mark.process
def test_stdout_is_protocol_only() -> None:
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.trino",
        {"OCM_TRINO_SPARK_MODE": "local"},
        {"name": "check_sql", "arguments": {"sql": "DROP TABLE t"}},
    )
    answer = next(m for m in msgs if m.get("id") == 3)
    assert answer["result"]["structuredContent"]["allowed"] is False
