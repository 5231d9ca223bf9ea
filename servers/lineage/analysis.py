"""Domain logic: graph walks, late-upstream root finding, blast radius and job history, shaped into answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from oncall_mcp.servers.lineage import followups
from oncall_mcp.servers.lineage.expectations import Verdict, human
from oncall_mcp.servers.lineage.followups import WaitingTask
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
from oncall_mcp.servers.lineage.names import EXPLAIN, dataset_uri
from oncall_mcp.servers.lineage.store import LineageStore
from oncall_mcp.shared.budget import Truncation, estimate_tokens, fit, fit_model, model_tokens
from oncall_mcp.shared.errors import ToolError, not_found


def ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def parse_cursor(cursor: str | None, total: int) -> int:
    """A cursor is the position of a page's first item, as given in `truncation.next_cursor`."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 9:
        raise ToolError(f"cursor {cursor!r} is not one this tool gave; pass truncation.next_cursor unchanged")
    offset = int(cursor)
    if offset > total:
        raise ToolError(f"cursor {cursor!r} is past the end ({total} items); start again without a cursor")
    return offset


def continue_with(truncation: Truncation, extra: str = "") -> Truncation:
    """Say how to get the rest: the cursor when the budget cut a list, then anything else worth knowing."""
    parts = [f"continue with cursor={truncation.next_cursor!r}"] if truncation.next_cursor else []
    if extra:
        parts.append(extra)
    return truncation.model_copy(update={"how_to_get_more": "; ".join(parts)})


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
        uri=dataset_uri(ds),
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


def job_runs(store: LineageStore, job_name: str, limit: int, budget: int, cursor: str | None = None) -> JobRunsResult:
    graph = store.graph
    job = resolve_job(store, job_name)
    runs = sorted(job.runs, key=lambda r: r.when, reverse=True)
    offset = parse_cursor(cursor, len(runs))
    page = runs[offset : offset + limit]
    inputs = sorted(graph.datasets[i].key for i in job.inputs)
    outputs = sorted(graph.datasets[i].key for i in job.outputs)
    result = JobRunsResult(
        job=job_summary(job, with_tail=False),
        inputs=inputs[:10],
        inputs_total=len(inputs),
        outputs=outputs[:10],
        outputs_total=len(outputs),
        runs=[run_info(r) for r in page],
        runs_kept=len(runs),
        failures_in_history=sum(1 for r in runs if r.state == "FAIL"),
        next_steps=followups.job_steps(graph, job),
        status=store.status(),
    )
    fitted = fit_model(result, budget, ["runs"], next_cursor=lambda _field, kept: str(offset + kept))
    if fitted.truncation.truncated:
        return fitted.model_copy(update={"truncation": continue_with(fitted.truncation)})
    beyond = len(runs) - offset - len(page)
    if beyond > 0:
        more = Truncation(
            truncated=True,
            reason="limit",
            omitted=beyond,
            next_cursor=str(offset + len(page)),
            how_to_get_more=f"older runs: raise limit (at most {len(runs)} runs are kept) or continue with "
            f"cursor={str(offset + len(page))!r}",
        )
        return fitted.model_copy(update={"truncation": more})
    return fitted


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


def graph_walk(
    store: LineageStore, query: str, depth: int, upstream: bool, budget: int, cursor: str | None = None
) -> WalkResult:
    graph = store.graph
    start, resolved = resolve_dataset(store, query)
    w = walk(graph, start, depth, upstream, store.settings.walk_node_cap)
    order = sorted((d, graph.datasets[i].key, i) for i, d in w.dist.items() if i != start)
    offset = parse_cursor(cursor, len(order))
    position = {i: n for n, (_, _, i) in enumerate(order)} | {start: -1}

    def node(i: int, d: int) -> GraphNode:
        ds = graph.datasets[i]
        writers = producing_jobs(graph, i, 5)
        return GraphNode(dataset=ds.key, distance=d, last_write=ts(ds.last_write), written_by=[j.name for j in writers])

    head = node(start, 0)
    # each edge is shown once, on the page of whichever of its datasets comes later in `order`
    edges_of: dict[int, list[tuple[int, int, int]]] = {}
    for e in w.edges:
        if e[0] in position and e[1] in position:
            edges_of.setdefault(max(position[e[0]], position[e[1]]), []).append(e)

    def edge(e: tuple[int, int, int]) -> GraphEdge:
        return GraphEdge(source=graph.datasets[e[0]].key, target=graph.datasets[e[1]].key, job=graph.jobs[e[2]].name)

    consumer_dags = [graph.jobs[j].dag() for j in sorted(graph.datasets[start].consumers)]
    base = WalkResult(
        resolved=resolved,
        direction="upstream" if upstream else "downstream",
        depth=depth,
        nodes=[head],
        edges=[],
        jobs=[],
        total_nodes=len(order),
        total_edges=len(w.edges),
        deepest=w.deepest,
        more_beyond_depth=w.more_beyond,
        walk_capped=w.capped,
        next_steps=followups.walk_steps(
            graph,
            graph.datasets[start],
            upstream,
            [graph.datasets[i] for _, _, i in order[offset : offset + 2]],
            consumer_dags,
        ),
        status=store.status(),
    )
    # a page is whole datasets, each with the edges (and first-seen jobs) that reach it, so paging loses nothing
    jobs_costed: set[int] = set()

    def bundle_tokens(n: int) -> int:
        d, _, i = order[n]
        cost = estimate_tokens(node(i, d).model_dump_json())
        for e in edges_of.get(n, []):
            cost += estimate_tokens(edge(e).model_dump_json())
            if e[2] not in jobs_costed:
                jobs_costed.add(e[2])
                cost += estimate_tokens(job_summary(graph.jobs[e[2]], with_tail=False).model_dump_json())
        return cost

    head_edges = edges_of.get(-1, []) if offset == 0 else []  # a self-loop on the queried dataset
    room = budget - model_tokens(base) - sum(estimate_tokens(edge(e).model_dump_json()) for e in head_edges)
    page, nodes_cut = fit(range(offset, len(order)), room, size=bundle_tokens)
    if nodes_cut.truncated:
        nodes_cut.next_cursor = str(offset + len(page))
    page_edges = sorted(
        [*head_edges, *(e for n in page for e in edges_of.get(n, []))],
        key=lambda e: (w.dist.get(e[0] if upstream else e[1], 0), e),
    )
    job_ids = list(dict.fromkeys(j for _, _, j in page_edges))
    full = base.model_copy(
        update={
            "nodes": [head, *(node(order[n][2], order[n][0]) for n in page)],
            "edges": [edge(e) for e in page_edges],
            "jobs": [job_summary(graph.jobs[j], with_tail=False) for j in job_ids],
        }
    )
    fitted = fit_model(full, budget, ["edges", "jobs"])  # only when one dataset alone brings too many edges
    edges_cut = fitted.truncation
    notes = []
    if edges_cut.truncated:
        notes.append(
            f"{edges_cut.omitted} edges and jobs of this page not shown; call again on a shown dataset with a "
            "smaller depth"
        )
    if w.more_beyond:
        notes.append(f"the graph continues beyond depth {depth}; call again with a larger depth (max 20)")
    truncation = Truncation(
        truncated=nodes_cut.truncated or edges_cut.truncated,
        reason="budget" if nodes_cut.truncated or edges_cut.truncated else None,
        omitted=((nodes_cut.omitted or 0) + (edges_cut.omitted or 0)) or None,
        next_cursor=nodes_cut.next_cursor,
    )
    return fitted.model_copy(update={"truncation": continue_with(truncation, "; ".join(notes))})


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
    store: LineageStore,
    query: str,
    as_of: str | None,
    depth: int,
    budget: int,
    cursor: str | None = None,
    waiting: WaitingTask | None = None,
) -> LateUpstreamResult:
    graph = store.graph
    now = parse_as_of(as_of)
    start, resolved = resolve_dataset(store, query)
    w = walk(graph, start, depth, True, store.settings.walk_node_cap)
    exp = store.expectations
    verdicts = {i: exp.judge(graph.datasets[i], now) for i in w.dist}
    roots: list[int] = []
    symptoms: list[int] = []
    unknown: list[int] = []
    for i, v in verdicts.items():
        if v.status == "unknown":
            unknown.append(i)
        if v.status != "late":
            continue
        late_inputs = any(src in verdicts and verdicts[src].status == "late" for src, _ in graph.parents(i))
        (symptoms if late_inputs else roots).append(i)
    roots.sort(key=lambda i: (w.dist[i], -(verdicts[i].lateness or 0), graph.datasets[i].key))
    symptoms.sort(key=lambda i: (w.dist[i], graph.datasets[i].key))
    offset = parse_cursor(cursor, len(roots))

    def path(i: int) -> list[str]:
        chain = [i]
        while chain[-1] != start:
            chain.append(w.came_from[chain[-1]])
        return [graph.datasets[n].key for n in reversed(chain)]

    producers = {i: producing_jobs(graph, i) for i in roots[offset:]}

    def late_root(i: int) -> LateRoot:
        ds = graph.datasets[i]
        return LateRoot(
            freshness=freshness(ds.key, ds.last_write, verdicts[i]),
            distance=w.dist[i],
            path=path(i),
            producing_jobs=[job_summary(j) for j in producers[i]],
        )

    start_ds = graph.datasets[start]
    waiting = waiting or WaitingTask()
    page = roots[offset:]
    steps = (
        followups.late_upstream_steps(graph, [graph.datasets[i] for i in page], producers, waiting)
        if page
        else followups.nothing_late_steps(graph, start_ds, waiting)
        if not roots
        else []
    )
    result = LateUpstreamResult(
        resolved=resolved,
        as_of=datetime.fromtimestamp(now, UTC),
        verdict=_verdict(graph, start, roots, symptoms, unknown, w, verdicts),
        queried=freshness(start_ds.key, start_ds.last_write, verdicts[start]),
        roots=[late_root(i) for i in page],
        late_because_of_upstream=[
            freshness(graph.datasets[i].key, graph.datasets[i].last_write, verdicts[i]) for i in symptoms
        ],
        datasets_checked=len(w.dist),
        unknown=len(unknown),
        unknown_examples=sorted(graph.datasets[i].key for i in unknown)[:5],
        walk_capped=w.capped,
        next_steps=steps,
        status=store.status(),
    )
    fitted = fit_model(
        result,
        budget,
        ["roots", "late_because_of_upstream"],
        next_cursor=lambda field, kept: str(offset + kept) if field == "roots" else None,
    )
    notes = []
    if fitted.truncation.truncated and not fitted.truncation.next_cursor:
        notes.append("late downstream symptoms cut to the budget; call again on a shown root to narrow")
    if w.more_beyond:
        notes.append(f"lineage continues beyond depth {depth}; retry with a larger depth (max 20)")
    return fitted.model_copy(update={"truncation": continue_with(fitted.truncation, "; ".join(notes))})


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


def impact(store: LineageStore, query: str, depth: int, budget: int, cursor: str | None = None) -> ImpactResult:
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
    offset = parse_cursor(cursor, len(order))
    result = ImpactResult(
        resolved=resolved,
        dags=[dag_impact(dag, jids) for dag, jids in order[offset:]],
        total_dags=len(order),
        total_jobs=len(job_dist),
        total_datasets=len(dist) - 1,
        walk_capped=capped,
        next_steps=followups.dag_owner_steps(
            [dag for dag, _ in order[offset : offset + 3]], f"is downstream of {graph.datasets[start].key}", 1
        ),
        status=store.status(),
    )
    fitted = fit_model(result, budget, ["dags"], next_cursor=lambda _field, kept: str(offset + kept))
    return fitted.model_copy(update={"truncation": continue_with(fitted.truncation)})
