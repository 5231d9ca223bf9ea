"""The planner's queue on a scripted pool: what a call resolved covers later steps; unseen tools are sized by their
server's answers so far."""

from __future__ import annotations

import json
from typing import Any

from oncall_mcp.suite.planner import Budget, Planner
from oncall_mcp.suite.pool import CallRecord

Answer = dict[str, Any]


class ScriptedPool:
    """Answers each (server, tool) from a script; records the calls made."""

    def __init__(self, script: dict[tuple[str, str], Answer]) -> None:
        self.script = script
        self.tools: dict[str, set[str]] = {}
        for server, tool in script:
            self.tools.setdefault(server, set()).add(tool)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def has(self, server: str, tool: str) -> bool:
        return (server, tool) in self.script

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> CallRecord:
        self.calls.append((server, tool, args))
        data = self.script[(server, tool)]
        text = json.dumps(data)
        return CallRecord(server, tool, args, True, data, text, int(data.get("_tokens", len(text) // 4)), 1.0)


def step(server: str, tool: str, priority: int, **arguments: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "arguments": arguments, "why": "w", "priority": priority}


IDS = {"dag_id": "d", "run_id": "r", "task_id": "t"}
ROUTE = step("ownership", "route_alert", 3, dag_id="d", task_id="t", error_category="user_code")


async def test_a_step_naming_what_an_earlier_call_resolved_is_not_repeated() -> None:
    """find_failure without try_number answers try 2; read_log's step back to find_failure(try_number=2) is done."""
    read = step("airflow_logs", "read_log", 2, log_ref="x", around_line=3)
    pool = ScriptedPool(
        {
            ("airflow_logs", "find_failure"): {
                **IDS,
                "try_number": 2,
                "error_category": "user_code",
                "next_steps": [read, ROUTE],
            },
            ("airflow_logs", "read_log"): {
                "next_steps": [step("airflow_logs", "find_failure", 2, **IDS, try_number=2)]
            },
            ("ownership", "route_alert"): {"notify": []},
        }
    )
    inv = await Planner(pool).run("d", "r", "t")
    assert [c[1] for c in pool.calls] == ["find_failure", "read_log", "route_alert"], pool.calls
    assert inv.calls == 3


async def test_an_unseen_tool_is_expected_as_large_as_its_servers_largest_answer() -> None:
    """A 3,000-token find_failure makes a never-called read_log of the same server too big for what is left."""
    read = step("airflow_logs", "read_log", 3, log_ref="x", around_line=3)
    pool = ScriptedPool(
        {
            ("airflow_logs", "find_failure"): {**IDS, "_tokens": 3000, "next_steps": [read, ROUTE]},
            ("airflow_logs", "read_log"): {"_tokens": 3000},
            ("ownership", "route_alert"): {"_tokens": 300},
        }
    )
    inv = await Planner(pool, budget=Budget(calls=12, tokens=5000)).run("d", "r", "t")
    assert [c[1] for c in pool.calls] == ["find_failure", "route_alert"]
    assert inv.tokens <= 5000 and any("read_log: token budget" in s for s in inv.skipped)
