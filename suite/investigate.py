"""`oncall-mcp investigate`: follow the servers' own next steps from one failed task instance (see planner.py).

No branch here knows a failure category or a demo name: the servers say what to ask next, the planner asks it within
a budget, and the facts are read from the typed results."""

from __future__ import annotations

import os
import sys
from typing import Any

from oncall_mcp.suite.investigation import Investigation
from oncall_mcp.suite.planner import Budget, Config, Planner, ToolPool
from oncall_mcp.suite.report import render_investigation

EXIT_CAUSE = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NO_CAUSE = 3

EXIT_CODES_HELP = """exit codes:
  0  the investigation identified a cause (the report says which, with evidence)
  3  the investigation ran but found no cause (the report says what is unknown)
  2  bad arguments or configuration (e.g. no OCM_AIRFLOW_LOGS_SOURCE)
  1  internal error"""


class Investigator:
    """One planner per investigated task instance, over one pool of servers."""

    def __init__(
        self,
        pool: ToolPool,
        repo: str | None = None,
        as_of: str | None = None,
        engine: str | None = None,
        progress: Any = None,
        budget: Budget | None = None,
    ) -> None:
        self.pool = pool
        self.config = Config(repo=repo, as_of=as_of, engine=engine)
        self.budget = budget or Budget()
        self.progress = progress

    async def run(
        self, dag_id: str, run_id: str, task_id: str, try_number: int | None = None, ds: str | None = None
    ) -> Investigation:
        """Investigate one task instance. `ds` is accepted for older callers; the servers render SQL for the run."""
        planner = Planner(self.pool, self.config, self.budget, self.progress)
        return await planner.run(dag_id, run_id, task_id, try_number)


def configured_repo(environ: dict[str, str] | None = None) -> str | None:
    """The DAG repository the github server is configured with: the first of OCM_GITHUB_LOCAL_REPOS (`name=path`)
    or OCM_GITHUB_REPOS (`owner/name`)."""
    env = os.environ if environ is None else environ
    for var in ("OCM_GITHUB_LOCAL_REPOS", "OCM_GITHUB_REPOS"):
        first = (env.get(var) or "").split(",")[0].strip()
        if first:
            return first.split("=", 1)[0].strip()
    return None


def run_investigation(
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int | None,
    repo: str | None,
    as_json: bool,
    engine: str | None = None,
    as_of: str | None = None,
    max_calls: int = Budget.calls,
    max_tokens: int = Budget.tokens,
) -> int:
    """Run against the servers as configured by this environment's OCM_* variables; returns the exit code.

    A server is used when it is installed and its required settings are present in the environment."""
    import anyio

    from oncall_mcp.suite import catalog
    from oncall_mcp.suite.pool import ServerPool

    if max_calls < 2 or max_tokens < 500:
        sys.stderr.write("--max-calls must be at least 2 and --max-tokens at least 500\n")
        return EXIT_USAGE
    servers: dict[str, dict[str, str]] = {
        name: {} for name, info in catalog.SERVERS.items() if info.installed() and info.configured()
    }
    if "airflow_logs" not in servers:
        sys.stderr.write("investigate needs the airflow_logs server: set OCM_AIRFLOW_LOGS_SOURCE\n")
        return EXIT_USAGE
    repo = repo or (configured_repo() if "github" in servers else None)
    sys.stderr.write(f"using servers: {', '.join(servers)}" + (f"; repo {repo}" if repo else "") + "\n")

    async def main() -> Investigation:
        async with ServerPool(servers, inherit_config=True, tolerate_failures=True) as pool:
            for name, reason in pool.failed.items():
                sys.stderr.write(f"  ! {name} did not start: {reason}\n")
            inv = Investigator(
                pool,
                repo=repo,
                as_of=as_of,
                engine=engine,
                progress=lambda m: sys.stderr.write(f"  … {m}\n"),
                budget=Budget(max_calls, max_tokens),
            )
            return await inv.run(dag_id, run_id, task_id, try_number)

    try:
        inv = anyio.run(main)
    except Exception as exc:  # the exit code promises 1 for anything unexpected
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc}\n")
        return EXIT_INTERNAL
    sys.stdout.write(inv.to_json() + "\n" if as_json else render_investigation(inv))
    return EXIT_CAUSE if inv.cause_identified else EXIT_NO_CAUSE
