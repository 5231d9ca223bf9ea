"""Domain logic: graph walks, late-upstream root finding, blast radius and job history, shaped into answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel

from oncall_mcp.servers.lineage.expectations import Verdict, human
from oncall_mcp.servers.lineage.graph import Job, LineageGraph, Run
from oncall_mcp.servers.lineage.models import (
    DagImpact,
    Freshness,
    GraphEdge,
    GraphNode,
    ImpactResult,
    JobRunsResult,
    JobSummary,
    LateRoot,
    LateUpstreamResult,
    Resolution,
    RunInfo,
    WalkResult,
)
from oncall_mcp.servers.lineage.names import EXPLAIN
from oncall_mcp.servers.lineage.store import LineageStore
from oncall_mcp.shared.budget import Truncation, estimate_tokens
from oncall_mcp.shared.errors import ToolError, not_found

M = TypeVar("M", bound=BaseModel)


def ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def take(items: Iterable[M], budget_tokens: int, keep_at_least: int = 1) -> tuple[list[M], int]:
    """Keep models in order while their JSON fits in `budget_tokens`; returns (kept, tokens used)."""
    kept: list[M] = []
    used = 0
    for item in items:
        cost = estimate_tokens(item.model_dump_json())
        if len(kept) >= keep_at_least and used + cost > budget_tokens:
            break
        kept.append(item)
        used += cost
    return kept, used


# --- resolution ----------------------------------------------------------------------------------------------------


def resolve_dataset(store: LineageStore, query: str) -> tuple[int, Resolution]:
    graph = store.graph
    hit = store.names.resolve(query)
    if not hit.ids:
        if not graph.datasets:
            raise ToolError(
                f"dataset {query!r} not found: the {graph.events} events read from {store.source.describe()} "
                "name no datasets (their inputs/outputs are empty; many Airflow operators emit none). "
                "Use job_runs(job='dag_id.task_id') to see task runs and errors instead."
            )
        raise not_found(
            "dataset",
            query,
            store.names.candidates(query),
            "Give the OpenLineage namespace/name, the dataset name, or catalog.schema.table",
        )
    if len(hit.ids) > 1:
        keys = sorted(graph.datasets[i].key for i in hit.ids)
        shown = ", ".join(keys[:10]) + (f" (+{len(keys) - 10} more)" if len(keys) > 10 else "")
        raise ToolError(
            f"dataset {query!r} is ambiguous ({EXPLAIN[hit.tier]} matches {len(keys)}): {shown}. "
            "Retry with one exact namespace/name."
        )
    ds = graph.datasets[hit.ids[0]]
    return ds.id, Resolution(
        query=query,
        dataset=ds.key,
        namespace=ds.namespace,
        name=ds.name,
        matched_by=hit.tier,
        explanation=EXPLAIN[hit.tier],
    )


def resolve_job(store: LineageStore, query: str) -> Job:
    jobs = store.names.resolve_job(query)
    if not jobs:
        hint = "Airflow task jobs are named dag_id.task_id; DAG-level jobs are named dag_id"
        raise not_found("job", query, store.names.job_candidates(query), hint)
    if len(jobs) > 1:
        keys = ", ".join(sorted(j.key for j in jobs)[:10])
        raise ToolError(f"job {query!r} exists in several namespaces: {keys}. Retry with namespace/name.")
    return jobs[0]


# --- jobs and runs -------------------------------------------------------------------------------------------------


def run_info(run: Run) -> RunInfo:
    duration = run.end - run.start if run.end is not None and run.start is not None else None
    return RunInfo(
        run_id=run.run_id,
        state=run.state,
        started=ts(run.start),
        ended=ts(run.end),
        duration_seconds=round(duration, 3) if duration is not None else None,
        error=run.error,
        error_tail=run.stack_tail if run.state == "FAIL" else None,
        dag_run_id=run.dag_run_id,
        try_number=run.try_number,
    )


def job_summary(job: Job, with_tail: bool = True) -> JobSummary:
    last = job.last_run()
    info = run_info(last) if last else None
    if info is not None and not with_tail:
        info.error_tail = None
    return JobSummary(
        job=job.name,
        namespace=job.namespace,
        dag_id=job.dag(),
        task_id=job.task_id,
        owners=list(job.owners),
        last_run=info,
        recent_runs=len(job.runs),
        recent_failures=sum(1 for r in job.runs if r.state == "FAIL"),
    )


def producing_jobs(graph: LineageGraph, did: int, limit: int = 3) -> list[Job]:
    ds = graph.datasets[did]
    jobs = sorted((graph.jobs[j] for j in ds.producers), key=lambda j: (j.id != ds.last_writer, j.name))
    return jobs[:limit]


def job_runs(store: LineageStore, job_name: str, limit: int, budget: int) -> JobRunsResult:
    graph = store.graph
    job = resolve_job(store, job_name)
    runs = sorted(job.runs, key=lambda r: r.when, reverse=True)
    inputs = sorted(graph.datasets[i].key for i in job.inputs)
    outputs = sorted(graph.datasets[i].key for i in job.outputs)
    kept, _ = take((run_info(r) for r in runs[:limit]), int(budget * 0.7))
    omitted = len(runs) - len(kept)
    return JobRunsResult(
        job=job_summary(job, with_tail=False),
        inputs=inputs[:10],
        inputs_total=len(inputs),
        outputs=outputs[:10],
        outputs_total=len(outputs),
        runs=kept,
        runs_kept=len(runs),
        failures_in_history=sum(1 for r in runs if r.state == "FAIL"),
        truncation=Truncation(
            truncated=omitted > 0,
            omitted=omitted,
            how_to_get_more=(
                f"ask with a larger limit (at most {len(runs)} runs are kept)"
                if omitted and len(kept) == limit
                else "the answer hit the output budget; raise OCM_LINEAGE_OUTPUT_TOKENS"
                if omitted
                else ""
            ),
        ),
        status=store.status(),
    )


# --- walks ---------------------------------------------------------------------------------------------------------


@dataclass
class Walk:
    dist: dict[int, int]
    came_from: dict[int, int]
    edges: set[tuple[int, int, int]] = field(default_factory=set)  # (input ds, output ds, job) in data-flow order
    deepest: int = 0
    more_beyond: bool = False
    capped: bool = False


def walk(graph: LineageGraph, start: int, depth: int, upstream: bool, cap: int) -> Walk:
    step: Callable[[int], Iterable[tuple[int, int]]] = graph.parents if upstream else graph.children
    w = Walk(dist={start: 0}, came_from={})
    frontier = [start]
    for d in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for other, jid in step(node):
                w.edges.add((other, node, jid) if upstream else (node, other, jid))
                if other in w.dist:
                    continue
                if len(w.dist) > cap:
                    w.capped = True
                    continue
                w.dist[other] = d
                w.came_from[other] = node
                nxt.append(other)
        if not nxt:
            break
        w.deepest = d
        frontier = nxt
    else:
        w.more_beyond = any(other not in w.dist for node in frontier for other, _ in step(node))
    return w


def graph_walk(store: LineageStore, query: str, depth: int, upstream: bool, budget: int) -> WalkResult:
    graph = store.graph
    start, resolved = resolve_dataset(store, query)
    w = walk(graph, start, depth, upstream, store.settings.walk_node_cap)
    order = sorted((d, graph.datasets[i].key, i) for i, d in w.dist.items() if i != start)

    def node(i: int, d: int) -> GraphNode:
        ds = graph.datasets[i]
        writers = producing_jobs(graph, i, 5)
        return GraphNode(dataset=ds.key, distance=d, last_write=ts(ds.last_write), written_by=[j.name for j in writers])

    root = graph.datasets[start]
    head = GraphNode(
        dataset=root.key,
        distance=0,
        last_write=ts(root.last_write),
        written_by=[j.name for j in producing_jobs(graph, start, 5)],
    )
    nodes, _ = take((node(i, d) for d, _, i in order), int(budget * 0.5))
    shown = {start} | {i for _, _, i in order[: len(nodes)]}
    edge_list = sorted(
        (e for e in w.edges if e[0] in shown and e[1] in shown),
        key=lambda e: (w.dist.get(e[0] if upstream else e[1], 0), e),
    )
    edges, _ = take(
        (
            GraphEdge(source=graph.datasets[s].key, target=graph.datasets[t].key, job=graph.jobs[j].name)
            for s, t, j in edge_list
        ),
        int(budget * 0.3),
        keep_at_least=0,
    )
    job_ids = list(dict.fromkeys(j for _, _, j in edge_list[: len(edges)]))
    jobs, _ = take((job_summary(graph.jobs[j], with_tail=False) for j in job_ids), int(budget * 0.2), 0)
    omitted_nodes = len(order) - len(nodes)
    omitted_edges = len(w.edges) - len(edges)
    truncated = omitted_nodes > 0 or omitted_edges > 0 or len(jobs) < len(job_ids)
    nearest = order[len(nodes)][0] if omitted_nodes else None
    more = ""
    if truncated:
        more = (
            f"{omitted_nodes} datasets and {omitted_edges} edges not shown (nearest first were kept"
            + (f"; omitted start at distance {nearest}" if nearest is not None else "")
            + "). Call again with a smaller depth, or on one of the shown datasets to continue from there."
        )
    elif w.more_beyond:
        more = f"the graph continues beyond depth {depth}; call again with a larger depth (max 20)"
    return WalkResult(
        resolved=resolved,
        direction="upstream" if upstream else "downstream",
        depth=depth,
        nodes=[head, *nodes],
        edges=edges,
        jobs=jobs,
        total_nodes=len(order),
        total_edges=len(w.edges),
        deepest=w.deepest,
        more_beyond_depth=w.more_beyond,
        walk_capped=w.capped,
        truncation=Truncation(truncated=truncated, omitted=omitted_nodes + omitted_edges, how_to_get_more=more),
        status=store.status(),
    )


# --- lateness ------------------------------------------------------------------------------------------------------


def freshness(key: str, last_write: float | None, v: Verdict) -> Freshness:
    return Freshness(
        dataset=key,
        status=v.status,
        basis=v.basis,
        last_update=ts(last_write),
        expected_by=ts(v.expected_by),
        lateness_seconds=round(v.lateness, 1) if v.lateness is not None else None,
        lateness=human(v.lateness) if v.lateness is not None else None,
        detail=v.detail,
    )


def parse_as_of(as_of: str | None) -> float:
    if as_of is None or not as_of.strip():
        return datetime.now(UTC).timestamp()
    text = as_of.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ToolError(
            f"as_of {as_of!r} is not an ISO 8601 time; use e.g. 2024-05-01T07:00:00Z, or leave it empty for now"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def find_late_upstream(
    store: LineageStore, query: str, as_of: str | None, depth: int, budget: int
) -> LateUpstreamResult:
    graph = store.graph
    now = parse_as_of(as_of)
    start, resolved = resolve_dataset(store, query)
    w = walk(graph, start, depth, True, store.settings.walk_node_cap)
    exp = store.expectations
    verdicts = {i: exp.judge(graph.datasets[i], now) for i in w.dist}
    roots, symptoms, unknown = [], [], []
    for i, v in verdicts.items():
        if v.status == "unknown":
            unknown.append(i)
        if v.status != "late":
            continue
        late_inputs = any(src in verdicts and verdicts[src].status == "late" for src, _ in graph.parents(i))
        (symptoms if late_inputs else roots).append(i)
    roots.sort(key=lambda i: (w.dist[i], -(verdicts[i].lateness or 0), graph.datasets[i].key))
    symptoms.sort(key=lambda i: (w.dist[i], graph.datasets[i].key))

    def path(i: int) -> list[str]:
        chain = [i]
        while chain[-1] != start:
            chain.append(w.came_from[chain[-1]])
        return [graph.datasets[n].key for n in reversed(chain)]

    def late_root(i: int) -> LateRoot:
        ds = graph.datasets[i]
        return LateRoot(
            freshness=freshness(ds.key, ds.last_write, verdicts[i]),
            distance=w.dist[i],
            path=path(i),
            producing_jobs=[job_summary(j) for j in producing_jobs(graph, i)],
        )

    root_models, _ = take((late_root(i) for i in roots), int(budget * 0.6))
    symptom_models, _ = take(
        (freshness(graph.datasets[i].key, graph.datasets[i].last_write, verdicts[i]) for i in symptoms),
        int(budget * 0.2),
        keep_at_least=0,
    )
    start_ds = graph.datasets[start]
    queried = freshness(start_ds.key, start_ds.last_write, verdicts[start])
    verdict = _verdict(graph, start, roots, symptoms, unknown, w, verdicts)
    omitted = (len(roots) - len(root_models)) + (len(symptoms) - len(symptom_models))
    notes = []
    if omitted:
        notes.append(f"{omitted} late datasets not shown (nearest roots first); call again on a shown root to narrow")
    if w.more_beyond:
        notes.append(f"lineage continues beyond depth {depth}; retry with a larger depth (max 20)")
    return LateUpstreamResult(
        resolved=resolved,
        as_of=datetime.fromtimestamp(now, UTC),
        verdict=verdict,
        queried=queried,
        roots=root_models,
        late_because_of_upstream=symptom_models,
        datasets_checked=len(w.dist),
        unknown=len(unknown),
        unknown_examples=sorted(graph.datasets[i].key for i in unknown)[:5],
        walk_capped=w.capped,
        truncation=Truncation(truncated=bool(notes), omitted=omitted, how_to_get_more="; ".join(notes)),
        status=store.status(),
    )


def _verdict(
    graph: LineageGraph,
    start: int,
    roots: list[int],
    symptoms: list[int],
    unknown: list[int],
    w: Walk,
    verdicts: dict[int, Verdict],
) -> str:
    checked = len(w.dist)
    if not roots:
        msg = f"No late dataset among {checked} checked (the queried one and its upstream)"
        if unknown:
            msg += f"; {len(unknown)} cannot be judged (no expectation and too few writes)"
        return msg + ". If a sensor still timed out, check the sensor's own job_runs and its expectations."
    ds = graph.datasets[roots[0]]
    v = verdicts[roots[0]]
    head = "itself is late while its inputs are on time" if roots[0] == start else "is the root late upstream"
    msg = f"{ds.key} {head}: last written {_fmt(ds.last_write)}, expected by {_fmt(v.expected_by)}"
    if v.lateness is not None:
        msg += f", {human(v.lateness)} late"
    msg += " (a guess from observed cadence)" if v.basis == "observed_cadence" else ""
    jobs = producing_jobs(graph, roots[0], 1)
    if jobs:
        last = jobs[0].last_run()
        if last is not None:
            msg += f"; its producer {jobs[0].name} last run {last.state}"
            if last.error:
                msg += f": {last.error[:200]}"
    if len(roots) > 1:
        msg += f". {len(roots) - 1} more root(s) listed"
    if symptoms:
        msg += f". {len(symptoms)} downstream dataset(s) are late only because of it"
    return msg + "."


def _fmt(value: float | None) -> str:
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M UTC") if value is not None else "never"


# --- impact --------------------------------------------------------------------------------------------------------


def impact(store: LineageStore, query: str, depth: int, budget: int) -> ImpactResult:
    graph = store.graph
    start, resolved = resolve_dataset(store, query)
    dist = {start: 0}
    job_dist: dict[int, int] = {}
    frontier = [start]
    capped = False
    cap = store.settings.walk_node_cap
    for d in range(1, depth + 1):
        nxt = []
        for did in frontier:
            for jid in graph.datasets[did].consumers:
                if jid not in job_dist:
                    job_dist[jid] = d
                for out in graph.jobs[jid].outputs:
                    if out in dist:
                        continue
                    if len(dist) > cap:
                        capped = True
                        continue
                    dist[out] = d
                    nxt.append(out)
        if not nxt:
            break
        frontier = nxt
    by_dag: dict[str, list[int]] = {}
    for jid in job_dist:
        by_dag.setdefault(graph.jobs[jid].dag(), []).append(jid)

    def dag_impact(dag: str, jids: list[int]) -> DagImpact:
        jids.sort(key=lambda j: (job_dist[j], graph.jobs[j].name))
        outs = sorted({graph.datasets[o].key for j in jids for o in graph.jobs[j].outputs if o in dist and o != start})
        tasks = [graph.jobs[j].task_id or graph.jobs[j].name for j in jids]
        owners = sorted({o for j in jids for o in graph.jobs[j].owners})
        return DagImpact(
            dag_id=dag,
            nearest_distance=job_dist[jids[0]],
            tasks=tasks[:15],
            tasks_total=len(tasks),
            datasets=outs[:10],
            datasets_total=len(outs),
            owners=owners[:10],
        )

    order = sorted(by_dag.items(), key=lambda kv: (min(job_dist[j] for j in kv[1]), kv[0]))
    dags, _ = take((dag_impact(dag, jids) for dag, jids in order), int(budget * 0.8))
    omitted = len(order) - len(dags)
    return ImpactResult(
        resolved=resolved,
        dags=dags,
        total_dags=len(order),
        total_jobs=len(job_dist),
        total_datasets=len(dist) - 1,
        walk_capped=capped,
        truncation=Truncation(
            truncated=omitted > 0,
            omitted=omitted,
            how_to_get_more=(
                f"{omitted} DAGs farther downstream not shown; call downstream(dataset, depth) or impact on a "
                "shown dataset to see more"
            )
            if omitted
            else "",
        ),
        status=store.status(),
    )
