"""History across logs, answered from the failure index (index/): which attempts failed, recurring signatures,
and has this error happened before (hybrid search). Complete over the window, paged with cursors, with coverage."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from oncall_mcp.servers.airflow_logs.access import LogAccess, closest, iso, parse_since
from oncall_mcp.servers.airflow_logs.index import hybrid
from oncall_mcp.servers.airflow_logs.index.live import LiveIndex
from oncall_mcp.servers.airflow_logs.layout import check_id
from oncall_mcp.servers.airflow_logs.models import (
    FailedAttempt,
    FailedTaskList,
    SearchHit,
    SearchResult,
    Signature,
    SignatureList,
)
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.shared.budget import Truncation, fit_model
from oncall_mcp.shared.errors import ToolError, not_found
from oncall_mcp.shared.redaction import redact_clip
from oncall_mcp.shared.steps import NextStep


def _cursor(kind: str, args: tuple[Any, ...], pos: Any) -> str:
    scope = hashlib.sha256(json.dumps([kind, *args], default=str).encode()).hexdigest()[:8]
    return base64.urlsafe_b64encode(json.dumps({"s": scope, "p": pos}).encode()).decode().rstrip("=")


def _uncursor(cursor: str | None, kind: str, args: tuple[Any, ...]) -> Any:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        scope = hashlib.sha256(json.dumps([kind, *args], default=str).encode()).hexdigest()[:8]
        if data["s"] != scope:
            raise ValueError
        return data["p"]
    except (ValueError, KeyError, TypeError):
        raise ToolError(
            "cursor is not from this tool with these arguments; repeat the call without cursor to start over"
        ) from None


def _category(cat: str | None) -> str:
    from oncall_mcp.shared.vocabulary import ERROR_CATEGORIES

    return cat if cat in ERROR_CATEGORIES else "unknown"


def _find_failure_args(dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int) -> dict[str, Any]:
    args: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "try_number": try_number}
    if map_index >= 0:
        args["map_index"] = map_index
    return args


class HistoryTools(LogAccess):
    def __init__(self, settings: AirflowLogsSettings) -> None:
        super().__init__(settings)
        self.index = LiveIndex(self, settings)

    def _filters(
        self, dag_id: str | None, task_id: str | None, since: str | None, table: str = "a"
    ) -> tuple[str, list[Any]]:
        for value, what in ((dag_id, "dag_id"), (task_id, "task_id")):
            if value:
                check_id(value, what)
        since_ts = parse_since(since)
        where: list[str] = []
        params: list[Any] = []
        if dag_id:
            where.append(f"{table}.dag_id = ?")
            params.append(dag_id)
        if task_id:
            where.append(f"{table}.task_id = ?")
            params.append(task_id)
        if since_ts is not None:
            where.append(f"{table}.mtime >= ?")
            params.append(since_ts)
        return "".join(f" AND {w}" for w in where), params

    def _check_known(self, dag_id: str | None, task_id: str | None = None) -> None:
        """A DAG (and task of it) the index has no log of is a clear error with the closest names, not 0 results."""
        con = self.index.store.con()
        if dag_id and not con.execute("SELECT 1 FROM attempts WHERE dag_id = ? LIMIT 1", (dag_id,)).fetchone():
            dags = [d for (d,) in con.execute("SELECT DISTINCT dag_id FROM attempts")]
            raise not_found("DAG", dag_id, closest(dag_id, dags), "no log of it in the failure index")
        if not task_id:
            return
        scope, params = (" AND dag_id = ?", [dag_id]) if dag_id else ("", [])
        if con.execute(f"SELECT 1 FROM attempts WHERE task_id = ?{scope} LIMIT 1", [task_id, *params]).fetchone():
            return
        tasks = [t for (t,) in con.execute(f"SELECT DISTINCT task_id FROM attempts WHERE 1 = 1{scope}", params)]
        where = f" of DAG {dag_id!r}" if dag_id else ""
        raise not_found("task", task_id, closest(task_id, tasks), f"no log of it{where} in the failure index")

    # --- list_failed_tasks ------------------------------------------------------------------------------------
    def list_failed_tasks(
        self, dag_id: str | None, since: str | None, limit: int, budget: int, cursor: str | None = None
    ) -> FailedTaskList:
        extra, params = self._filters(dag_id, None, since)
        read = self.index.ensure_fresh()
        self._check_known(dag_id)
        args = (dag_id, since)
        after = _uncursor(cursor, "failed", args)
        page_where, page_params = "", []
        if after is not None:
            page_where = " AND (a.mtime < ? OR (a.mtime = ? AND a.key > ?))"
            page_params = [after[0], after[0], after[1]]
        con = self.index.store.con()
        where = f"a.outcome IN ('failed', 'up_for_retry'){extra}"  # triggerer logs have outcome 'trigger'
        (total,) = con.execute(f"SELECT count(*) FROM attempts a WHERE {where}", params).fetchone()
        rows = con.execute(
            "SELECT a.key, a.dag_id, a.run_id, a.task_id, a.try_number, a.map_index, a.size, a.mtime, a.outcome, "
            "f.category, f.exception_type, f.message, f.line_number "
            f"FROM attempts a LEFT JOIN failures f ON f.attempt_id = a.id WHERE {where}{page_where} "
            "ORDER BY a.mtime DESC, a.key LIMIT ?",
            [*params, *page_params, limit + 1],
        ).fetchall()
        more_than_limit = len(rows) > limit
        rows = rows[:limit]
        attempts = [
            FailedAttempt(
                log_ref=r[0],
                dag_id=r[1],
                run_id=r[2],
                task_id=r[3],
                try_number=r[4],
                map_index=r[5],
                size_bytes=r[6],
                modified=iso(r[7]),
                outcome=r[8],
                error_category=r[9],
                exception_type=r[10],
                message=redact_clip(r[11], 200) if r[11] else None,
                line_number=r[12],
            )
            for r in rows
        ]
        steps = []
        if attempts:
            a = attempts[0]
            steps.append(
                NextStep(
                    server="airflow_logs",
                    tool="find_failure",
                    arguments=_find_failure_args(a.dag_id, a.run_id, a.task_id, a.try_number, a.map_index),
                    why="the ranked root-cause lines of the newest failed attempt",
                    priority=1,
                )
            )
            sig_args: dict[str, Any] = {"dag_id": dag_id} if dag_id else {}
            steps.append(
                NextStep(
                    server="airflow_logs",
                    tool="error_signatures",
                    arguments=sig_args,
                    why="whether these failures share one recurring cause",
                    priority=2,
                )
            )
        result = FailedTaskList(
            source=self.store.label,
            attempts=attempts,
            total=int(total),
            coverage=self.index.coverage(read),
            next_steps=steps,
        )
        key_of = {i: (rows[i][7], rows[i][0]) for i in range(len(rows))}

        def next_cursor(_: str, kept: int) -> str | None:
            return _cursor("failed", args, key_of[kept - 1]) if kept else None

        result = fit_model(result, budget, ["attempts"], next_cursor=next_cursor)
        if not result.truncation.truncated and more_than_limit:
            nxt = _cursor("failed", args, key_of[len(rows) - 1])
            result.truncation = Truncation(
                truncated=True,
                reason="limit",
                omitted=int(total) - len(rows) if after is None else None,
                next_cursor=nxt,
                how_to_get_more=f"continue with cursor={nxt}, or raise limit, or narrow with dag_id / since",
            )
        return result

    # --- error_signatures -------------------------------------------------------------------------------------
    def error_signatures(
        self, dag_id: str | None, since: str | None, limit: int, budget: int, cursor: str | None = None
    ) -> SignatureList:
        extra, params = self._filters(dag_id, None, since, table="f")
        read = self.index.ensure_fresh()
        self._check_known(dag_id)
        args = (dag_id, since)
        offset = int(_uncursor(cursor, "signatures", args) or 0)
        con = self.index.store.con()
        # one pass over the failures of the window (a covering index): counts, times, DAGs and tasks per signature
        agg: dict[int, dict[str, Any]] = {}
        for sig_id, dag, task, n, first, last in con.execute(
            "SELECT f.signature_id, f.dag_id, f.task_id, count(*), min(f.mtime), max(f.mtime) FROM failures f "
            f"WHERE 1 = 1{extra} GROUP BY f.signature_id, f.dag_id, f.task_id",
            params,
        ):
            g = agg.setdefault(sig_id, {"n": 0, "first": first, "last": last, "dags": set(), "tasks": set()})
            g["n"] += n
            g["first"], g["last"] = min(g["first"], first), max(g["last"], last)
            g["dags"].add(dag)
            g["tasks"].add(task)
        groups = sorted(agg.items(), key=lambda kv: (-kv[1]["n"], -kv[1]["last"]))
        analysed = sum(g["n"] for _, g in groups)
        page = groups[offset : offset + limit]
        sigs: list[Signature] = []
        for sig_id, g in page:
            n, first, last = g["n"], g["first"], g["last"]
            template, category, exc_type = con.execute(
                "SELECT template, category, exception_type FROM signatures WHERE id = ?", (sig_id,)
            ).fetchone()
            dags = sorted(g["dags"])[:10]
            tasks = sorted(g["tasks"])[:10]
            ex = con.execute(
                "SELECT a.key, coalesce(f.line_number, 1), a.dag_id, a.run_id, a.task_id, a.try_number "
                f"FROM failures f JOIN attempts a ON a.id = f.attempt_id WHERE f.signature_id = ?{extra} "
                "ORDER BY f.mtime DESC LIMIT 1",
                [sig_id, *params],
            ).fetchone()
            sigs.append(
                Signature(
                    template=redact_clip(template, 300),
                    error_category=_category(category),  # type: ignore[arg-type]
                    exception_type=exc_type,
                    count=n,
                    first_seen=iso(first),
                    last_seen=iso(last),
                    dag_ids=sorted(dags),
                    task_ids=sorted(tasks),
                    example_log_ref=ex[0],
                    example_line_number=ex[1],
                    example_dag_id=ex[2],
                    example_run_id=ex[3],
                    example_task_id=ex[4],
                    example_try_number=ex[5],
                )
            )
        steps = []
        if sigs:
            top = sigs[0]
            steps.append(
                NextStep(
                    server="airflow_logs",
                    tool="find_failure",
                    arguments=_find_failure_args(
                        top.example_dag_id, top.example_run_id, top.example_task_id, top.example_try_number, -1
                    ),
                    why=f"the newest attempt of the most frequent failure ({top.count} attempts)",
                    priority=1,
                )
            )
            steps.append(
                NextStep(
                    server="airflow_logs",
                    tool="read_log",
                    arguments={"log_ref": top.example_log_ref, "around_line": top.example_line_number},
                    why="the lines around that root cause",
                    priority=2,
                )
            )
        result = SignatureList(
            signatures=sigs,
            files_analysed=analysed,
            distinct_signatures=len(groups),
            coverage=self.index.coverage(read),
            next_steps=steps,
        )

        def next_cursor(_: str, kept: int) -> str | None:
            return _cursor("signatures", args, offset + kept)

        result = fit_model(result, budget, ["signatures"], next_cursor=next_cursor)
        if not result.truncation.truncated and offset + len(page) < len(groups):
            nxt = _cursor("signatures", args, offset + len(page))
            result.truncation = Truncation(
                truncated=True,
                reason="limit",
                omitted=len(groups) - offset - len(page),
                next_cursor=nxt,
                how_to_get_more=f"continue with cursor={nxt}, or raise limit",
            )
        return result

    # --- search_logs ------------------------------------------------------------------------------------------
    def search_logs(
        self,
        query: str,
        dag_id: str | None,
        task_id: str | None,
        since: str | None,
        limit: int,
        budget: int,
        cursor: str | None = None,
    ) -> SearchResult:
        from oncall_mcp.servers.airflow_logs import search

        if not search.tokens(query):
            raise ToolError("query has no searchable words; give error words, e.g. 'permission denied s3'")
        extra, params = self._filters(dag_id, task_id, since)
        read = self.index.ensure_fresh()
        self._check_known(dag_id, task_id)
        args = (query, dag_id, task_id, since)
        offset = int(_uncursor(cursor, "search", args) or 0)
        store = self.index.store
        con = store.con()
        ranking = hybrid.rank(
            con, query, self.index.embedder, self.index.vectors if self.index.embedder is not None else None
        )
        filtered = bool(params)
        hits: list[SearchHit] = []
        produced = 0
        for cand in ranking.candidates:
            # the newest occurrence (in the filters) and that occurrence's own line: text and location agree
            if filtered:
                row = con.execute(
                    "SELECT a.key, a.dag_id, a.run_id, a.task_id, a.try_number, a.mtime, o.line_number, o.text "
                    "FROM occurrences o JOIN attempts a ON a.id = o.attempt_id "
                    f"WHERE o.template_id = ?{extra} ORDER BY a.mtime DESC LIMIT 1",
                    [cand.tid, *params],
                ).fetchone()
                if row is None:
                    continue
                (count,) = con.execute(
                    "SELECT count(*) FROM occurrences o JOIN attempts a ON a.id = o.attempt_id "
                    f"WHERE o.template_id = ?{extra}",
                    [cand.tid, *params],
                ).fetchone()
            else:
                row = con.execute(
                    "SELECT a.key, a.dag_id, a.run_id, a.task_id, a.try_number, a.mtime, o.line_number, o.text, t.n "
                    "FROM templates t JOIN attempts a ON a.id = t.last_attempt_id "
                    "JOIN occurrences o ON o.template_id = t.id AND o.attempt_id = t.last_attempt_id WHERE t.id = ?",
                    (cand.tid,),
                ).fetchone()
                if row is None:  # the newest attempt was re-indexed or removed: look it up
                    row = con.execute(
                        "SELECT a.key, a.dag_id, a.run_id, a.task_id, a.try_number, a.mtime, o.line_number, o.text, "
                        "(SELECT n FROM templates WHERE id = o.template_id) FROM occurrences o "
                        "JOIN attempts a ON a.id = o.attempt_id WHERE o.template_id = ? ORDER BY a.mtime DESC LIMIT 1",
                        (cand.tid,),
                    ).fetchone()
                    if row is None:
                        continue
                count = row[8]
            produced += 1
            if produced <= offset:
                continue
            hits.append(
                SearchHit(
                    log_ref=row[0],
                    dag_id=row[1],
                    run_id=row[2],
                    task_id=row[3],
                    try_number=row[4],
                    line_number=row[6],
                    text=redact_clip(row[7] or cand.example, 400),
                    score=cand.score,
                    why=cand.why(),
                    occurrences=int(count),
                    modified=iso(row[5]),
                )
            )
            if len(hits) > limit:
                break
        more_than_limit = len(hits) > limit
        hits = hits[:limit]
        steps = []
        if hits:
            top = hits[0]
            steps.append(
                NextStep(
                    server="airflow_logs",
                    tool="read_log",
                    arguments={"log_ref": top.log_ref, "around_line": top.line_number},
                    why="the lines around the best match",
                    priority=1,
                )
            )
            steps.append(
                NextStep(
                    server="airflow_logs",
                    tool="find_failure",
                    arguments=_find_failure_args(top.dag_id, top.run_id, top.task_id, top.try_number, -1),
                    why="the full root-cause report of that attempt",
                    priority=2,
                )
            )
        result = SearchResult(
            query=query,
            terms=[f"{g.word}→{'|'.join(g.forms[:6])}" if len(g.forms) > 1 else g.word for g in ranking.groups],
            concepts=sorted(ranking.query_concepts, key=lambda c: -ranking.query_concepts[c]),
            hits=hits,
            templates_considered=ranking.considered,
            semantic=ranking.semantic,
            coverage=self.index.coverage(read),
            next_steps=steps,
        )

        def next_cursor(_: str, kept: int) -> str | None:
            return _cursor("search", args, offset + kept)

        result = fit_model(result, budget, ["hits"], next_cursor=next_cursor)
        if not result.truncation.truncated and more_than_limit:
            nxt = _cursor("search", args, offset + limit)
            result.truncation = Truncation(
                truncated=True,
                reason="limit",
                next_cursor=nxt,
                how_to_get_more=f"continue with cursor={nxt}, or raise limit",
            )
        return result
