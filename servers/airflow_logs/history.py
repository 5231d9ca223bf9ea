"""History across logs: which attempts failed, has this error happened before (search), recurring signatures."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from oncall_mcp.servers.airflow_logs import patterns, search
from oncall_mcp.servers.airflow_logs.access import LogAccess, iso
from oncall_mcp.servers.airflow_logs.events import parse_line
from oncall_mcp.servers.airflow_logs.layout import LogKey
from oncall_mcp.servers.airflow_logs.models import (
    Attempt,
    AttemptList,
    SearchHit,
    SearchResult,
    Signature,
    SignatureList,
)
from oncall_mcp.servers.airflow_logs.rank import analyze
from oncall_mcp.servers.airflow_logs.scan import scan
from oncall_mcp.servers.airflow_logs.store import ObjInfo, StoreError
from oncall_mcp.shared.budget import estimate_tokens
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.redaction import redact_clip


class HistoryTools(LogAccess):
    def list_failed_tasks(self, dag_id: str | None, since: str | None, limit: int, budget: int) -> AttemptList:
        scope = self.scope(dag_id, since=since)
        if dag_id and not scope.entries and since is None:
            raise self.dag_not_found(dag_id)
        out: list[Attempt] = []
        used = 0
        partial = scope.capped
        for key, info in scope.entries:
            if key.trigger:
                continue
            if time.monotonic() > scope.deadline:
                partial = True
                break
            outcome = self.tail_outcome(key, info)
            if outcome not in ("failed", "up_for_retry"):
                continue
            att = self.attempt(key, info, outcome)
            cost = estimate_tokens(att.model_dump_json())
            if len(out) >= limit or (out and used + cost > budget - 150):
                partial = True
                break
            out.append(att)
            used += cost
        return AttemptList(
            source=self.store.label,
            attempts=out,
            truncated=partial,
            how_to_get_more="narrow with dag_id or since, or raise limit" if partial else "",
        )

    def search_logs(
        self, query: str, dag_id: str | None, task_id: str | None, since: str | None, limit: int, budget: int
    ) -> SearchResult:
        groups = search.expand(query)
        try:
            pattern = search.raw_pattern(groups)
        except ValueError:
            raise ToolError("query has no searchable words; give error words, e.g. 'permission denied s3'") from None
        scope = self.scope(dag_id, task_id=task_id, since=since)
        deadline = scope.deadline
        found: list[tuple[LogKey, ObjInfo, int, str, bool]] = []
        files = 0
        scanned = 0
        partial = scope.capped
        for key, info in scope.entries:
            if time.monotonic() > deadline:
                partial = True
                break
            files += 1
            try:
                res = scan(
                    self.chunks(key.key),
                    pattern=pattern,
                    max_hits=500,
                    deadline=deadline,
                    keep_head=False,
                    engine=self.settings.scan_engine,
                )
            except StoreError:
                continue
            scanned += res.bytes_scanned
            partial = partial or res.truncated
            for hit in res.hits:
                ev = parse_line(hit.line_number, hit.raw, hit.line_bytes)
                errorish = ev.severity >= 3 or bool(ev.exc_chain) or patterns.categorize(ev.text)[1] >= 2
                found.append((key, info, hit.line_number, ev.text, errorish))
            if len(found) > 20_000:
                partial = True
                break
        scores = search.bm25([f[3] for f in found], groups)
        by_tpl: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(found):
            by_tpl[patterns.mask(f[3])].append(i)
        hits: list[SearchHit] = []
        ranked = []
        for idxs in by_tpl.values():
            best = max(idxs, key=lambda i: (scores[i] * (1.4 if found[i][4] else 1.0), found[i][1].mtime))
            s = scores[best] * (1.4 if found[best][4] else 1.0)
            ranked.append((s, best, len(idxs)))
        ranked.sort(key=lambda r: -r[0])
        used = 0
        for s, i, count in ranked:
            if s <= 0 or len(hits) >= limit:
                break
            key, info, line, text, _ = found[i]
            hit = SearchHit(
                log_ref=key.key,
                dag_id=key.dag_id,
                run_id=key.run_id,
                task_id=key.task_id,
                try_number=key.try_number,
                line_number=line,
                text=redact_clip(text, 400),
                score=round(s, 3),
                occurrences=count,
                modified=iso(info.mtime),
            )
            cost = estimate_tokens(hit.model_dump_json())
            if hits and used + cost > budget - 200:
                partial = True
                break
            hits.append(hit)
            used += cost
        return SearchResult(
            query=query,
            terms=[f"{g.word}→{'|'.join(g.forms[:6])}" if len(g.forms) > 1 else g.word for g in groups],
            hits=hits,
            files_searched=files,
            bytes_scanned=scanned,
            truncated=partial,
            how_to_get_more="narrow with dag_id, task_id or since" if partial else "",
        )

    def error_signatures(self, dag_id: str | None, since: str | None, limit: int, budget: int) -> SignatureList:
        scope = self.scope(dag_id, since=since)
        deadline = scope.deadline
        groups: dict[str, dict[str, Any]] = {}
        analysed = 0
        partial = scope.capped
        for key, info in scope.entries:
            if key.trigger or info.size == 0:
                continue
            if time.monotonic() > deadline:
                partial = True
                break
            if self.tail_outcome(key, info) == "success":
                continue
            try:
                res = scan(
                    self.chunks(key.key),
                    deadline=deadline,
                    max_bytes=self.settings.max_scan_bytes,
                    engine=self.settings.scan_engine,
                )
            except StoreError:
                continue
            if res.binary:
                continue
            analysed += 1
            an = analyze(res)
            top = next((e for e in an.events if e.score > 0.5), None)
            if top is None:
                continue
            label = f"{an.exc.type}: {an.exc.value}" if an.exc else (top.message or top.text)
            tpl = patterns.mask(label)
            g = groups.setdefault(
                tpl,
                {
                    "count": 0,
                    "first": info.mtime,
                    "last": info.mtime,
                    "dags": set(),
                    "tasks": set(),
                    "example": (key.key, top.line_number, info.mtime),
                    "cat": an.category,
                    "exc": an.exc.type if an.exc else None,
                },
            )
            g["count"] += 1
            g["first"] = min(g["first"], info.mtime)
            if info.mtime >= g["last"]:
                g["last"] = info.mtime
                g["example"] = (key.key, top.line_number, info.mtime)
            g["dags"].add(key.dag_id)
            g["tasks"].add(key.task_id)
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1]["count"], -kv[1]["last"]))
        sigs: list[Signature] = []
        used = 0
        for tpl, g in ordered[:limit]:
            sig = Signature(
                template=redact_clip(tpl, 300),
                error_category=g["cat"],
                exception_type=g["exc"],
                count=g["count"],
                first_seen=iso(g["first"]),
                last_seen=iso(g["last"]),
                dag_ids=sorted(g["dags"])[:10],
                task_ids=sorted(g["tasks"])[:10],
                example_log_ref=g["example"][0],
                example_line_number=g["example"][1],
            )
            cost = estimate_tokens(sig.model_dump_json())
            if sigs and used + cost > budget - 150:
                partial = True
                break
            sigs.append(sig)
            used += cost
        if len(ordered) > len(sigs):
            partial = True
        return SignatureList(
            signatures=sigs,
            files_analysed=analysed,
            truncated=partial,
            how_to_get_more="narrow with dag_id or since, or raise limit" if partial else "",
        )
