"""A generic investigation planner: start from one failed task instance and follow the servers' own `next_steps`.

The plan is the servers' plan. Seeds: `airflow_logs.find_failure(dag_id, run_id, task_id)` and, when a DAG repository
is configured, `github.locate_task`. Every result's `next_steps` join one queue, ranked by priority + hops from a seed
(+1 when a server follows itself), then hops, then order proposed: a priority-1 step three hops away waits behind a
priority-2 step of a seed. Steps are de-duplicated by (server, tool, canonical arguments), and a step whose argument
values a call already made covers counts as done; one tool runs at most CALLS_PER_TOOL times; all within a call budget
and a budget of returned tokens. Configuration (never a failure category) fills the arguments a step cannot know: the
github `repo`, the lineage `as_of`, the trino `engine`. `ownership.route_alert` ends every investigation: one call is
reserved for it and its proposals are merged (lists joined, other arguments from the proposal nearest the seed).

A server that is not configured, down or answering with an error is reported; the rest of the plan goes on."""

from __future__ import annotations

import heapq
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from oncall_mcp.suite import planner_fix
from oncall_mcp.suite.investigation import Investigation, Step
from oncall_mcp.suite.planner_facts import derive, extract
from oncall_mcp.suite.pool import CallRecord

TERMINAL = ("ownership", "route_alert")
DEFAULT_CALLS = 12
DEFAULT_TOKENS = 8000
FIRST_GUESS_TOKENS = 700  # expected size of an answer from a tool not called yet
SUMMARY_CHARS = 200
CALLS_PER_TOOL = 2  # the same tool at most this often: chains of one server's steps must not eat the budget
CONTRACT_FIELDS = ("next_steps", "next_steps_text", "truncation")
UNCLASSIFIED = "unknown"  # the vocabulary's "no category": the only category value the client ever writes


class ToolPool(Protocol):
    tools: dict[str, set[str]]

    def has(self, server: str, tool: str) -> bool: ...

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> CallRecord: ...


@dataclass(frozen=True)
class Budget:
    calls: int = DEFAULT_CALLS
    tokens: int = DEFAULT_TOKENS


@dataclass(frozen=True)
class Config:
    """What the investigator knows from configuration, used only to fill arguments a step leaves out."""

    repo: str | None = None
    as_of: str | None = None
    engine: str | None = None

    def fill(self, server: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        out = dict(args)
        if server == "github" and "repo" not in out and self.repo:
            out["repo"] = self.repo
        if (server, tool) == ("lineage", "find_late_upstream") and "as_of" not in out and self.as_of:
            out["as_of"] = self.as_of
        if server == "trino" and tool in ("validate_sql", "explain") and "sql" in out:
            out["sql"] = planner_fix.query_of(str(out["sql"]))
        if server == "trino" and "engine" not in out and self.engine:
            out["engine"] = self.engine
        return out


@dataclass(order=True)
class Planned:
    rank: tuple[int, int, int]
    server: str = field(compare=False)
    tool: str = field(compare=False)
    arguments: dict[str, Any] = field(compare=False)
    why: str = field(compare=False)
    priority: int = field(compare=False)
    depth: int = field(compare=False)
    origin: str = field(compare=False)


def step_key(server: str, tool: str, args: dict[str, Any]) -> str:
    return f"{server}.{tool}:{json.dumps(args, sort_keys=True, default=str)}"


def merge_terminal(proposals: list[Planned]) -> dict[str, Any]:
    """One route_alert from all proposals: list arguments joined, scalars from the proposal nearest the seed."""
    ordered = sorted(proposals, key=lambda p: (p.depth, p.rank[2]))
    merged: dict[str, Any] = {}
    for p in ordered:
        for k, v in p.arguments.items():
            if isinstance(v, list):
                merged[k] = list(dict.fromkeys([*merged.get(k, []), *v]))
            else:
                merged.setdefault(k, v)
    return {k: v for k, v in merged.items() if v not in ([], None)}


class Planner:
    def __init__(
        self, pool: ToolPool, config: Config | None = None, budget: Budget | None = None, progress: Any = None
    ) -> None:
        self.pool = pool
        self.config = config or Config()
        self.budget = budget or Budget()
        self.progress = progress
        self._seen: set[str] = set()
        self._queue: list[Planned] = []
        self._terminal: list[Planned] = []
        self._seq = 0
        self._largest: dict[tuple[str, str], int] = {}
        self._done: list[tuple[str, str, dict[str, Any]]] = []

    # -- the queue --

    def propose(self, inv: Investigation, step: dict[str, Any], depth: int, origin: str) -> None:
        server, tool = str(step.get("server")), str(step.get("tool"))
        raw = step.get("arguments") if isinstance(step.get("arguments"), dict) else {}
        args = self.config.fill(server, tool, raw or {})
        priority = int(step.get("priority") or 2)
        self._seq += 1
        planned = Planned(
            (priority + depth, priority, self._seq),
            server,
            tool,
            args,
            str(step.get("why") or ""),
            priority,
            depth,
            origin,
        )
        if (server, tool) == TERMINAL:
            if args.get("dag_id") == inv.dag_id and args.get("task_id") == inv.task_id:
                self._terminal.append(planned)
            return
        key = step_key(server, tool, args)
        if key in self._seen or self._covered(server, tool, args):
            return
        self._seen.add(key)
        if server == "github" and "repo" not in args:
            inv.skipped.append(f"{server}.{tool}: no DAG repository configured (--repo / OCM_GITHUB_*)")
            return
        heapq.heappush(self._queue, planned)

    def _covered(self, server: str, tool: str, args: dict[str, Any]) -> bool:
        """A call already made with the same tool and (at least) these same argument values."""
        return any(
            (s, t) == (server, tool) and all(k in done and done[k] == v for k, v in args.items())
            for s, t, done in self._done
        )

    def _propose_all(self, inv: Investigation, data: dict[str, Any], depth: int, origin: str) -> None:
        for step in data.get("next_steps") or []:
            if isinstance(step, dict) and step.get("server") and step.get("tool"):  # prose-only steps carry no call
                self.propose(inv, step, depth, origin)

    # -- budgets --

    def _expected(self, p: Planned) -> int:
        """The largest answer this tool gave so far; for a tool not called yet, the largest of its server's (a
        server's answers are alike in verbosity: raw log lines, file text), at least FIRST_GUESS_TOKENS."""
        if (p.server, p.tool) in self._largest:
            return self._largest[(p.server, p.tool)]
        same_server = [n for (server, _), n in self._largest.items() if server == p.server]
        return max([FIRST_GUESS_TOKENS, *same_server])

    def _reserve(self) -> tuple[int, int]:
        """(calls, tokens) kept for the final route_alert."""
        if not self.pool.has(*TERMINAL):
            return 0, 0
        return 1, self._largest.get(TERMINAL, FIRST_GUESS_TOKENS)

    # -- execution --

    @staticmethod
    def _step(p: Planned, ok: bool, summary: str, tokens: int, ms: float) -> Step:
        return Step(p.why, p.server, p.tool, ok, summary, tokens, round(ms, 1), p.arguments, p.priority, p.origin)

    async def _execute(self, inv: Investigation, p: Planned) -> CallRecord | None:
        if self.progress:
            self.progress(f"{p.server}.{p.tool}: {p.why[:100]}")
        done = len(self._done)
        self._done.append((p.server, p.tool, p.arguments))
        start = time.perf_counter()
        try:
            rec = await self.pool.call(p.server, p.tool, p.arguments)
        except Exception as exc:  # a server that died mid-call is reported, the plan goes on
            ms = (time.perf_counter() - start) * 1000
            msg = f"server {p.server} failed: {type(exc).__name__}: {str(exc)[:SUMMARY_CHARS]}"
            inv.steps.append(self._step(p, False, msg, 0, ms))
            inv.unknown.append(f"{p.server}.{p.tool} could not run ({msg})")
            return None
        self._largest[(p.server, p.tool)] = max(rec.tokens, self._largest.get((p.server, p.tool), 0))
        if rec.ok:  # what the call resolved (the latest try_number, the ref's commit) covers steps that name it
            self._done[done] = (p.server, p.tool, {**_resolved(rec.data), **p.arguments})
        summary = _summary(rec)
        inv.steps.append(self._step(p, rec.ok, summary, rec.tokens, rec.ms))
        if not rec.ok:
            inv.unknown.append(f"{p.server}.{p.tool} answered an error: {rec.text[:SUMMARY_CHARS]}")
            return rec
        extract(inv, p.server, p.tool, p.arguments, rec.data)
        derive(inv)
        self._propose_all(inv, rec.data, p.depth + 1, f"{p.server}.{p.tool}")
        self._client_steps(inv, p.depth + 1)
        return rec

    def _client_steps(self, inv: Investigation, depth: int) -> None:
        sql = planner_fix.fix_validation(inv)
        if sql is not None:
            step = {"server": "trino", "tool": "validate_sql", "arguments": sql, "priority": 1}
            step["why"] = "does the query compile with the renamed column (the corrected SQL)?"
            self.propose(inv, step, depth, "client")
        if self.config.repo and self.pool.has("github", "create_fix_pr"):
            pr = planner_fix.fix_pr(inv, self.config.repo)
            if pr is not None:
                step = {"server": "github", "tool": "create_fix_pr", "arguments": pr, "priority": 1}
                step["why"] = "propose the validated fix as a pull request with the evidence"
                self.propose(inv, step, depth, "client")

    async def run(self, dag_id: str, run_id: str, task_id: str, try_number: int | None = None) -> Investigation:
        inv = Investigation(dag_id, run_id, task_id)
        for server in sorted({"airflow_logs", "github", "trino", "openmetadata", "lineage", "ownership"}):
            if server not in self.pool.tools:
                inv.skipped.append(f"{server}: not configured or not reachable; its steps are skipped")
        seed: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id}
        if try_number is not None:
            seed["try_number"] = try_number
        why = "the root-cause lines of the failed attempt, its category and where to look next"
        self.propose(inv, {"server": "airflow_logs", "tool": "find_failure", "arguments": seed, "why": why}, 0, "seed")
        if self.config.repo:
            args = {"dag_id": dag_id, "task_id": task_id, "run_id": run_id}
            why = "where the task is defined and the code/SQL it runs"
            self.propose(inv, {"server": "github", "tool": "locate_task", "arguments": args, "why": why}, 0, "seed")
        while self._queue:
            p = heapq.heappop(self._queue)
            if not self.pool.has(p.server, p.tool):
                inv.skipped.append(f"{p.server}.{p.tool}: {p.server} not available ({p.why[:80]})")
                continue
            if self._covered(p.server, p.tool, p.arguments):
                continue
            if sum(1 for s, t, _ in self._done if (s, t) == (p.server, p.tool)) >= CALLS_PER_TOOL:
                inv.skipped.append(f"{p.server}.{p.tool}: called {CALLS_PER_TOOL} times already ({p.why[:80]})")
                continue
            calls, tokens = self._reserve()
            if len(inv.steps) + 1 + calls > self.budget.calls:
                inv.skipped.append(f"{p.server}.{p.tool}: call budget ({self.budget.calls}) spent")
                break
            if inv.tokens + self._expected(p) + tokens > self.budget.tokens:
                inv.skipped.append(f"{p.server}.{p.tool}: token budget ({self.budget.tokens}) would be exceeded")
                continue
            await self._execute(inv, p)
        await self._route(inv)
        inv.skipped += [f"{p.server}.{p.tool}: not reached ({p.why[:80]})" for p in sorted(self._queue)[:5]]
        conclude(inv)
        return inv

    async def _route(self, inv: Investigation) -> None:
        if not self.pool.has(*TERMINAL):
            inv.unknown.append("whom to notify: the ownership server is not available")
            return
        if not self._terminal:
            category = inv.facts.get("error_category") or UNCLASSIFIED
            args = {"dag_id": inv.dag_id, "task_id": inv.task_id, "error_category": category}
            why = "no server proposed routing: notify by the routing rules for the task and its category"
            self._terminal.append(Planned((3, 0, 0), *TERMINAL, args, why, 3, 0, "client"))
        args = merge_terminal(self._terminal)
        late = [name for name in inv.facts.get("late_upstream") or [] if name not in args.get("upstream_late", [])]
        if late:  # the late roots this investigation found are why the alert goes upstream
            args["upstream_late"] = [*args.get("upstream_late", []), *late]
        origins = sorted({p.origin for p in self._terminal})
        first = min(self._terminal, key=lambda p: (p.depth, p.rank[2]))
        await self._execute(inv, Planned((1, 0, 0), *TERMINAL, args, first.why, 3, first.depth, "+".join(origins)))


def _resolved(data: dict[str, Any]) -> dict[str, Any]:
    """The answer's top-level scalar fields: the values a call left to the server and the server chose."""
    return {k: v for k, v in data.items() if k not in CONTRACT_FIELDS and isinstance(v, str | int | float | bool)}


def _summary(rec: CallRecord) -> str:
    if not rec.ok:
        return rec.text[:SUMMARY_CHARS]
    d = rec.data
    for key in ("summary", "verdict", "why"):
        if isinstance(d.get(key), str) and d[key]:
            return d[key][:SUMMARY_CHARS]
    fields = [(k, v) for k, v in d.items() if k not in CONTRACT_FIELDS and v not in (None, "", [], {})]
    return ", ".join(f"{k}={json.dumps(v, default=str)[:50]}" for k, v in fields[:5])[:SUMMARY_CHARS]


def conclude(inv: Investigation) -> None:
    """The conclusion, from the facts only; a cause is identified when the facts explain the failure."""
    f = inv.facts
    parts: list[str] = []
    head = f"{inv.dag_id}.{inv.task_id} ({inv.run_id})"
    if f.get("root_cause_line"):
        what = f"{f.get('exception_type')}: {f.get('message')}" if f.get("exception_type") else f["root_cause_line"]
        parts.append(f"{head} failed ({f.get('error_category')}): {str(what)[:240]}")
    else:
        parts.append(f"{head}: the failure's log was not read")
    if f.get("raising_frame"):
        parts.append(f"Raised at {f['raising_frame']}.")
    culprit = f.get("culprit_commit")
    if culprit:
        parts.append(
            f"{culprit['path']} last changed in {culprit['sha'][:12]} by {culprit['author']} on "
            f"{culprit['date'][:10]} ({culprit['summary'][:100]})."
        )
    rename = f.get("rename")
    if rename:
        parts.append(
            f"{rename['old_name']} was renamed to {rename['column']} in {rename['table']} by {rename['changed_by']} "
            f"at {rename['changed_at']}."
        )
    if "fix_valid" in f:
        parts.append("The corrected SQL compiles." if f["fix_valid"] else "The corrected SQL does not compile.")
    late = f.get("late_root_detail")
    if late:
        parts.append(
            f"Upstream {late['dataset']} is late ({late.get('lateness')}); its producer {late.get('producer')} "
            f"last ran {late.get('producer_state')}: {str(late.get('producer_error'))[:160]}."
        )
        if f.get("late_owner"):
            parts.append(f"It is owned by {', '.join(f['late_owner'])}.")
    notify = f.get("notify")
    if notify:
        who = ", ".join(f"{r['team']} ({r['slack_channel']}{', page' if r['page'] else ''})" for r in notify["notify"])
        cc = ", ".join(r["team"] for r in notify["cc"])
        parts.append(f"Notify {who or 'nobody resolved'}" + (f"; cc {cc}." if cc else "."))
    inv.conclusion = " ".join(parts)
    explained = bool(f.get("cause_in_log") and f.get("error_category") not in (None, UNCLASSIFIED))
    inv.cause_identified = explained or bool(late or rename or culprit)
    if not f.get("root_cause_line"):
        inv.unknown.append("the root-cause line: airflow_logs.find_failure did not answer")
    if not notify:
        inv.unknown.append("whom to notify: route_alert did not answer")
