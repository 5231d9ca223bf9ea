"""The corpus drives the real server: a handful of cases through `find_failure` (wiring only, not ranking quality)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings


def pick(labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wanted = [
        lambda c: c["format"] == "airflow3" and c["kind"] == "trino_column_not_found",
        lambda c: c["format"] == "airflow2" and c["kind"] == "python_chain",
        lambda c: "gzip" in c["variants"],
        lambda c: "crlf" in c["variants"],
        lambda c: "map_index" in c["variants"],
        lambda c: c["kind"] == "multi_attempt" and not c["no_cause"],
        lambda c: c["no_cause"],
    ]
    return [next(c for c in labels if w(c)) for w in wanted]


async def test_corpus_cases_run_through_find_failure(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    root, labels = corpus
    server = build_server(AirflowLogsSettings(source=str(root)))
    async with Client(server.mcp) as client:
        for case in pick(labels):
            r = await client.call_tool("find_failure", case["call"])
            assert not r.is_error, (case["case_id"], r.content)
            sc = r.structured_content
            assert sc["try_number"] == case["try_number"], case["case_id"]
            assert sc["lines_total"] == case["lines_total"], case["case_id"]
            assert isinstance(sc["cause_in_log"], bool)
            assert sc["root_cause_lines"], case["case_id"]
            for item in sc["root_cause_lines"]:
                assert 1 <= item["line_number"] <= case["lines_total"], case["case_id"]
