from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import check_conformance, check_stdout_is_protocol_only
from tests.ownership.helpers import REGISTRY, make_server, write

HERE = Path(__file__).parent


async def test_conformance(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    await check_conformance(
        server, HERE / "snapshots" / "tools_list.json", ("resolve_owner", {"asset": "lake.raw.orders"})
    )


async def test_prompt_is_listed(tmp_path: Path) -> None:
    from mcp import Client

    server = make_server(tmp_path)
    async with Client(server.mcp) as client:
        prompts = (await client.list_prompts()).prompts
        assert [p.name for p in prompts] == ["route_failed_task"]
        got = await client.get_prompt("route_failed_task", {"dag_id": "d", "task_id": "t"})
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert (
        "route_alert(dag_id='d', task_id='t'" in text
        and "lineage server" in text
        and "lowest `priority` first" in text
        and "ownership.route_alert" in text
    )


@pytest.mark.process
def test_stdout_is_protocol_only(tmp_path: Path) -> None:
    reg = write(tmp_path / "registry.yaml", REGISTRY)
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.ownership",
        {"OCM_OWNERSHIP_REGISTRY": str(reg)},
        {"name": "resolve_owner", "arguments": {"asset": "lake.raw.orders"}},
    )
    ok = next(m for m in msgs if m.get("id") == 3)
    assert not ok["result"]["isError"]
    assert ok["result"]["structuredContent"]["owners"][0]["name"] == "orders-platform"
    assert any(m.get("id") == 4 and m["result"]["isError"] for m in msgs)


@pytest.mark.process
def test_stdio_starts_with_a_broken_registry_and_reports_it(tmp_path: Path) -> None:
    reg = write(tmp_path / "registry.yaml", "teams:\n  - name: x\n    slack_channel: 12\n")
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.ownership",
        {"OCM_OWNERSHIP_REGISTRY": str(reg)},
        {"name": "find_team", "arguments": {"query": "x"}},
    )
    err = next(m for m in msgs if m.get("id") == 3)["result"]
    assert err["isError"]
    assert "registry.yaml:3: teams[0].slack_channel" in err["content"][0]["text"]
