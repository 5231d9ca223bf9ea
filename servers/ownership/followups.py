"""Next steps of the ownership tools, with concrete arguments filled from the answer.

Other servers are named by catalogue name only (`lineage`, `airflow_logs`); nothing here imports them."""

from __future__ import annotations

from dataclasses import dataclass

from oncall_mcp.servers.ownership.models import (
    FindTeamResult,
    ResolveOwnerResult,
    RouteAlertResult,
)
from oncall_mcp.shared.steps import NextStep

UPSTREAM_CATEGORIES = ("upstream_not_ready", "timeout")


@dataclass(frozen=True)
class FailureContext:
    """The failed task a resolve_owner call is made for (all optional), carried into route_alert."""

    dag_id: str | None = None
    task_id: str | None = None
    error_category: str | None = None
    found_late: bool = False

    def arguments(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.dag_id:
            out["failed_dag_id"] = self.dag_id
        if self.task_id:
            out["failed_task_id"] = self.task_id
        if self.error_category:
            out["error_category"] = self.error_category
        if self.found_late:
            out["found_late"] = True
        return out


def resolve_followups(result: ResolveOwnerResult, ctx: FailureContext) -> list[NextStep]:
    steps: list[NextStep] = []
    if result.candidates and result.kind == "task":
        steps.append(
            NextStep(
                server="ownership",
                tool="resolve_owner",
                arguments={"asset": result.candidates[0], "kind": "task", **ctx.arguments()},
                why=f"the full Airflow task id (TaskGroup prefix included) of {result.asset}; its own owner may differ",
                priority=1,
            )
        )
    elif result.candidates and not result.found:
        steps.append(
            NextStep(
                server="ownership",
                tool="resolve_owner",
                arguments={"asset": result.candidates[0], **ctx.arguments()},
                why=f"the closest known name to {result.asset}",
                priority=1,
            )
        )
    if not result.found:
        return steps
    category = ctx.error_category or ("upstream_not_ready" if ctx.found_late else None)
    if ctx.dag_id and ctx.task_id and category:
        args: dict[str, object] = {"dag_id": ctx.dag_id, "task_id": ctx.task_id, "error_category": category}
        if ctx.found_late:
            args["upstream_late"] = [result.asset]
            why = f"page the owner of the late {result.asset} and copy the owner of {ctx.dag_id}.{ctx.task_id}"
        elif result.kind in ("table", "schema", "s3"):
            args["tables"] = [result.asset]
            why = f"whom to notify for {ctx.dag_id}.{ctx.task_id}, with {result.asset} as a table in the error"
        else:
            why = f"whom to notify for {ctx.dag_id}.{ctx.task_id}, by the routing rules"
        steps.append(NextStep(server="ownership", tool="route_alert", arguments=args, why=why, priority=1))
    elif result.kind in ("table", "s3"):
        steps.append(
            NextStep(
                server="lineage",
                tool="impact",
                arguments={"dataset": result.asset},
                why=f"the DAGs downstream of {result.asset}, whose owners need a warning if it is late or wrong",
                priority=3,
            )
        )
    elif result.dag_id:
        steps.append(
            NextStep(
                server="airflow_logs",
                tool="list_failed_tasks",
                arguments={"dag_id": result.dag_id},
                why=f"recent failures of {result.dag_id}, to route one with route_alert",
                priority=3,
            )
        )
    return steps


def route_followups(result: RouteAlertResult, late: list[str], unmapped_owners: list[str]) -> list[NextStep]:
    """Nothing when the routing is complete; otherwise the calls that fill its gaps."""
    steps: list[NextStep] = []
    if not result.notify:
        steps.append(
            NextStep(
                server="ownership",
                tool="resolve_owner",
                arguments={"asset": result.dag_id, "kind": "dag"},
                why="nobody could be resolved: the evidence for the DAG shows which source is missing",
                priority=1,
            )
        )
    if result.error_category in UPSTREAM_CATEGORIES and not late:
        steps.append(
            NextStep(
                server="lineage",
                tool="job_runs",
                arguments={"job": f"{result.dag_id}.{result.task_id}"},
                why="the datasets this task reads; then find_late_upstream on them and route again with upstream_late",
                priority=1,
            )
        )
    for asset in result.unresolved[:2]:
        steps.append(
            NextStep(
                server="ownership",
                tool="resolve_owner",
                arguments={"asset": asset},
                why=f"nobody owns {asset}: the closest known names and how to register an owner",
                priority=2,
            )
        )
    fell_back = any(r.reason == "fallback_team" for r in result.notify)
    if fell_back:
        for owner in unmapped_owners[:2] or [result.dag_id]:
            steps.append(
                NextStep(
                    server="ownership",
                    tool="find_team",
                    arguments={"query": owner},
                    why=f"the alert fell back to the default team; the team {owner!r} belongs to should own it",
                    priority=2,
                )
            )
    return steps


def find_team_followups(result: FindTeamResult) -> list[NextStep]:
    if not result.matches:
        return []
    team = result.matches[0].team.name
    return [
        NextStep(
            server="ownership",
            tool="list_assets",
            arguments={"team": team},
            why=f"what {team} owns, to check it is the right team",
            priority=3,
        )
    ]
