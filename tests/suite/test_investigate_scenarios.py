"""The generic investigator over the eleven scenarios (in-process servers through the MCP client)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oncall_mcp.suite.investigation import Investigation
from oncall_mcp.suite.planner import Budget, Config, Planner
from oncall_mcp.suite.pool import InProcessPool
from tests.scenarios.builder import materialise
from tests.scenarios.run import investigate
from tests.scenarios.scenarios import ALL, DB_DOWN, KEYERROR

NO_ENGINE = [s for s in ALL if not s.engine]


@pytest.mark.parametrize("scenario", NO_ENGINE, ids=[s.name for s in NO_ENGINE])
async def test_scenario_within_budget_and_routed(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = await investigate(scenario, tmp_path / scenario.name, with_engine=False)
    inv = out.inv
    assert inv.calls <= 12 and inv.tokens <= 8000, (inv.calls, inv.tokens)
    assert inv.steps[0].tool == "find_failure" and inv.steps[-1].tool == "route_alert"
    assert "root_cause_line" in out.found, out.missed
    assert inv.facts["notify"]["notify"], "route_alert ran and named someone"
    keys = [(s.server, s.tool, str(sorted(s.arguments.items()))) for s in inv.steps]
    assert len(keys) == len(set(keys)), "a call was repeated"


async def test_facts_found_over_the_set_without_engine(tmp_path: Path) -> None:
    """Every gold fact that does not need an engine is found (trino steps and the Spark/Trino fix validation aside);
    across all eleven scenarios, without any engine, at least 95%."""
    found = total = 0
    missed: list[str] = []
    for s in ALL:
        out = await investigate(s, tmp_path / s.name, with_engine=False)
        found += len(out.found)
        total += len(s.gold)
        missed += [f"{s.name}.{k}" for k in out.missed if k not in s.waits_on_engine]
        assert out.inv.calls <= 12 and out.inv.tokens <= 8000, (s.name, out.inv.calls, out.inv.tokens)
    assert not missed, missed
    assert found / total >= 0.95, f"{found}/{total}"


def test_the_client_knows_no_failure_category_and_no_demo_name() -> None:
    """Category knowledge lives in the servers' next steps: no planner module names a category or a demo DAG/task
    (UNCLASSIFIED, the vocabulary's "no category", is the one value the client writes when nothing said one)."""
    import oncall_mcp.suite as suite_pkg
    from oncall_mcp.shared.vocabulary import ERROR_CATEGORIES
    from oncall_mcp.suite.demo import scenario

    root = Path(suite_pkg.__file__).parent
    modules = [*root.glob("planner*.py"), root / "investigate.py", root / "investigation.py", root / "report.py"]
    demo_names = {scenario.REPO_NAME, "reports_daily", "revenue_hourly", "orders_ingest", "load_reports"}
    demo_names |= {"wait_for_orders", "extract_orders", "clean_orders", "build_revenue", "open_date"}
    names = {c for c in ERROR_CATEGORIES if c != "unknown"} | demo_names
    for module in modules:
        text = module.read_text(encoding="utf-8")
        found = sorted(n for n in names if re.search(rf"\b{re.escape(n)}\b", text))
        assert not found, f"{module.name} names {found}"


async def test_a_missing_server_is_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    envs, _ = materialise(KEYERROR, tmp_path / "s")
    del envs["github"]
    async with InProcessPool(envs) as pool:
        inv = await Planner(pool, Config(repo=KEYERROR.repo)).run(KEYERROR.dag_id, KEYERROR.run_id, KEYERROR.task_id)
    assert any(s.startswith("github") for s in inv.skipped)
    assert inv.facts["root_cause_line"] and inv.facts["notify"]["notify"][0]["team"] == "payments-eng"
    assert inv.cause_identified


async def test_call_budget_keeps_one_call_for_routing(tmp_path: Path) -> None:
    envs, _ = materialise(DB_DOWN, tmp_path / "s")
    async with InProcessPool(envs) as pool:
        inv = await Planner(pool, Config(repo=DB_DOWN.repo), Budget(calls=3)).run(
            DB_DOWN.dag_id, DB_DOWN.run_id, DB_DOWN.task_id
        )
    assert [s.tool for s in inv.steps][-1] == "route_alert" and inv.calls == 3
    assert any("call budget" in s for s in inv.skipped)


async def test_an_erroring_tool_is_reported(tmp_path: Path) -> None:
    envs, _ = materialise(DB_DOWN, tmp_path / "s")
    async with InProcessPool(envs) as pool:
        inv: Investigation = await Planner(pool, Config(repo=DB_DOWN.repo)).run(DB_DOWN.dag_id, "no-such-run", "t")
    assert not inv.steps[0].ok and any("find_failure" in u for u in inv.unknown)
    assert not inv.cause_identified


@pytest.mark.engine
@pytest.mark.parametrize("scenario", [s for s in ALL if s.engine], ids=[s.name for s in ALL if s.engine])
async def test_rename_scenarios_on_spark(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = await investigate(scenario, tmp_path / scenario.name)
    assert out.inv.calls <= 12 and out.inv.tokens <= 8000
    assert "root_cause_line" in out.found, out.missed
