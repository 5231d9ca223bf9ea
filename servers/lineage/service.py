"""The lineage questions the tools answer, each over a store brought up to date first and read under its lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from oncall_mcp.servers.lineage import analysis
from oncall_mcp.servers.lineage.followups import WaitingTask
from oncall_mcp.servers.lineage.models import ImpactResult, JobRunsResult, LateUpstreamResult, WalkResult
from oncall_mcp.servers.lineage.store import LineageStore

Result = TypeVar("Result")


class LineageService:
    def __init__(self, store: LineageStore, budget_tokens: int) -> None:
        self.store = store
        self.budget_tokens = budget_tokens

    def _fresh(self, query: Callable[[], Result]) -> Result:
        self.store.refresh()
        with self.store.lock:
            return query()

    def upstream(self, dataset: str, depth: int, cursor: str | None = None) -> WalkResult:
        return self._fresh(lambda: analysis.graph_walk(self.store, dataset, depth, True, self.budget_tokens, cursor))

    def downstream(self, dataset: str, depth: int, cursor: str | None = None) -> WalkResult:
        return self._fresh(lambda: analysis.graph_walk(self.store, dataset, depth, False, self.budget_tokens, cursor))

    def find_late_upstream(
        self,
        dataset: str,
        as_of: str | None,
        depth: int,
        cursor: str | None = None,
        waiting: WaitingTask | None = None,
    ) -> LateUpstreamResult:
        return self._fresh(
            lambda: analysis.find_late_upstream(self.store, dataset, as_of, depth, self.budget_tokens, cursor, waiting)
        )

    def impact(self, dataset: str, depth: int, cursor: str | None = None) -> ImpactResult:
        return self._fresh(lambda: analysis.impact(self.store, dataset, depth, self.budget_tokens, cursor))

    def job_runs(self, job: str, limit: int, cursor: str | None = None) -> JobRunsResult:
        return self._fresh(lambda: analysis.job_runs(self.store, job, limit, self.budget_tokens, cursor))
