"""Investigate one scenario with the in-process servers; score the facts found against its gold facts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from oncall_mcp.suite.investigate import Investigator
from oncall_mcp.suite.investigation import Investigation
from oncall_mcp.suite.pool import InProcessPool
from tests.scenarios.builder import Scenario, fact_found, materialise


@dataclass
class Outcome:
    scenario: Scenario
    inv: Investigation
    found: list[str]
    missed: list[str]
    wall_s: float
    server_ms: float


async def investigate(s: Scenario, root: Path, with_engine: bool = True) -> Outcome:
    envs, _ = materialise(s, root, with_engine=with_engine)
    async with InProcessPool(envs, tolerate_failures=True) as pool:
        start = time.perf_counter()
        inv = await Investigator(pool, repo=s.repo, as_of=s.as_of).run(s.dag_id, s.run_id, s.task_id)
        wall = time.perf_counter() - start
    found = [k for k, v in s.gold.items() if fact_found(inv.facts, k, v)]
    missed = [k for k in s.gold if k not in found]
    return Outcome(s, inv, found, missed, wall, sum(step.ms for step in inv.steps))
