from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from tests.harness import check_conformance, check_stdout_is_protocol_only, tool_text
from tests.lineage.scenario import write_demo

HERE = Path(__file__).parent


async def test_conformance(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events), expectations=files.expectations))
    await check_conformance(
        server, HERE / "snapshots" / "tools_list.json", ("upstream", {"dataset": "lake.staging.orders_clean"})
    )


async def test_prompt_guides_the_investigation(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events)))
    async with Client(server.mcp) as client:
        prompts = (await client.list_prompts()).prompts
        assert [p.name for p in prompts] == ["investigate_late_data"]
        got = await client.get_prompt("investigate_late_data", {"dataset": "lake.staging.orders_clean"})
        text = got.messages[0].content.text  # type: ignore[union-attr]
        assert (
            "find_late_upstream" in text
            and "ownership" in text
            and "job_runs" in text
            and "lowest `priority` first" in text
            and "ownership.route_alert" in text
        )


@pytest.mark.process
def test_stdout_is_protocol_only(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    env = {"OCM_LINEAGE_EVENTS": str(files.events), "OCM_LINEAGE_EXPECTATIONS": str(files.expectations)}
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.lineage",
        env,
        {
            "name": "find_late_upstream",
            "arguments": {"dataset": "lake.staging.orders_clean", "as_of": files.as_of.isoformat()},
        },
    )
    answer = next(m for m in msgs if m.get("id") == 3)
    assert not answer["result"]["isError"]
    assert answer["result"]["structuredContent"]["roots"][0]["freshness"]["dataset"].endswith("lake.raw.orders")
    assert any(m.get("id") == 4 and m["result"]["isError"] for m in msgs)


def test_bad_config_fails_at_start_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "exp.yaml"
    bad.write_text("datasets:\n  - match: x\n    schedule: 'every tuesday-ish'\n")
    monkeypatch.setenv("OCM_LINEAGE_EVENTS", str(tmp_path))
    monkeypatch.setenv("OCM_LINEAGE_EXPECTATIONS", str(bad))
    with pytest.raises(SystemExit) as exc:
        build_server()
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "schedule 'every tuesday-ish'" in out.err and "Traceback" not in out.err and out.err.count("\n") == 1
    monkeypatch.delenv("OCM_LINEAGE_EVENTS")
    with pytest.raises(SystemExit):
        build_server()
    assert "OCM_LINEAGE_EVENTS" in capsys.readouterr().err


async def test_tool_error_text_is_actionable(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events)))
    async with Client(server.mcp) as client:
        r = await client.call_tool("find_late_upstream", {"dataset": "lake.raw.orders", "as_of": "yesterday-ish"})
        assert r.is_error and "ISO 8601" in tool_text(r)
        r = await client.call_tool("upstream", {"dataset": "lake.raw.orders", "depth": 21})
        assert r.is_error
        r = await client.call_tool("upstream", {"dataset": "lake.raw.orders"})
        assert not r.is_error
