"""The corpus plan (which cases, in which format and variants) and writing each case's files and labels."""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .data import Data
from .files import fingerprint
from .kinds import DAGS, HOSTS, SCENARIOS
from .model import BG, Ctx, Scenario
from .render import Renderer
from .scenarios_engines import (
    s_hadoop_cascade,
    s_hadoop_natural,
    s_spark_chain,
    s_spark_unresolved,
    s_trino_column,
    s_trino_permission,
    s_trino_syntax,
)
from .scenarios_tasks import (
    s_airflow3_exception_key,
    s_bash_exit,
    s_big_line,
    s_dbt,
    s_no_cause,
    s_python_cascade,
    s_python_chain,
    s_python_exc,
)


@dataclass
class Case:
    case_id: str
    kind: str
    fmt: str
    spec: Callable[[random.Random, Ctx], Scenario]
    variants: list[str]
    attempts: int = 1
    earlier: Callable[[random.Random, Ctx], Scenario] | None = None


def plan(seed: int, per_kind: int = 4) -> list[Case]:
    r = random.Random(seed)
    cases: list[Case] = []

    def add(
        kind: str,
        fmt: str,
        spec: Callable[[random.Random, Ctx], Scenario],
        variants: list[str] | None = None,
        **kw: Any,
    ) -> None:
        if variants is None:
            variants = [v for v in ("crlf", "gzip", "map_index") if r.random() < 0.1]
            if fmt == "airflow2" and r.random() < 0.1:
                variants.append("ansi")
        cases.append(Case(f"c{len(cases) + 1:03d}", kind, fmt, spec, variants, **kw))

    for fmt in ("airflow3", "airflow2"):
        for kind, spec in SCENARIOS.items():
            for _ in range(per_kind):
                add(kind, fmt, spec)
        # guaranteed hard variants, each in both formats
        add("hadoop_natural", fmt, s_hadoop_natural, [])
        add("cascade_10k", fmt, s_hadoop_cascade, [])
        add("cascade_10k", fmt, s_python_cascade, ["gzip"])
        add("big_line", fmt, s_big_line, [])
        add("ansi_dbt", fmt, lambda rr, cc: _renamed(s_dbt(rr, cc, ansi=True), "ansi_dbt"), ["ansi"])
        for v in ("crlf", "gzip", "ansi", "map_index"):
            for spec in (s_trino_column, s_spark_chain, s_python_chain):
                if v == "ansi" and fmt == "airflow3":
                    continue
                add(spec(random.Random(0), _dummy_ctx()).kind, fmt, spec, [v])
        for n in (2, 3):
            add(
                "multi_attempt",
                fmt,
                r.choice([s_trino_column, s_python_exc, s_spark_unresolved, s_dbt]),
                [],
                attempts=n,
                earlier=r.choice([s_bash_exit, s_python_chain, s_trino_permission]),
            )
            add("multi_attempt", fmt, s_no_cause, [], attempts=n, earlier=s_trino_syntax)
    add("airflow3_exception_key", "airflow3", s_airflow3_exception_key, [])
    add("airflow3_exception_key", "airflow3", s_airflow3_exception_key, ["gzip"])
    return cases


def _renamed(s: Scenario, kind: str) -> Scenario:
    s.kind = kind
    return s


def _dummy_ctx() -> Ctx:
    return Ctx(random.Random(0), "d", "r", "t", 1, 1, -1, datetime(2024, 1, 1, tzinfo=UTC), "x", 1, 1, "h", [])


def make_ctx(r: random.Random, case: Case, index: int, big_line_mb: float, cascade: int) -> Ctx:
    """Identity of the case (shared by its attempts); `for_attempt` derives each attempt's context."""
    start = datetime(2024, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=index, minutes=r.randint(0, 600))
    return Ctx(
        rng=r,
        dag_id=DAGS[index % len(DAGS)],
        run_id=f"scheduled__{start:%Y-%m-%dT%H:%M:%S}+00:00" if index % 4 else f"manual__{start.isoformat()}",
        task_id="",
        try_number=1,
        max_tries=max(case.attempts, 2 if index % 3 else 1),
        map_index=r.randint(0, 7) if "map_index" in case.variants else -1,
        start=start,
        ti_id="",
        job_id=0,
        pid=0,
        host="",
        ctx_order=[],
        big_line_mb=big_line_mb,
        cascade_lines=cascade,
    )


def for_attempt(base: Ctx, attempt: int) -> Ctx:
    r = base.rng
    keys = ["dag_id", "run_id", "task_id", "try_number", "ti_id", "map_index"]
    r.shuffle(keys)
    ti = (
        f"01{r.getrandbits(40):010x}-{r.getrandbits(16):04x}-7{r.getrandbits(12):03x}-{r.getrandbits(16):04x}-"
        f"{r.getrandbits(48):012x}"
    )
    return replace(
        base,
        try_number=attempt,
        start=base.start + timedelta(minutes=7 * (attempt - 1)),
        ti_id=ti,
        job_id=r.randint(100, 99999),
        pid=r.randint(100, 60000),
        host=r.choice(HOSTS),
        ctx_order=keys,
    )


def ansi_a2(line: str, r: random.Random) -> str:
    m = re.match(r"^\[([^\]]+)\] \{([^}]+)\} ([A-Z]+) - ", line)
    if not m:
        return line
    colour = {"ERROR": "31", "WARNING": "33", "CRITICAL": "31;1"}.get(m.group(3), "32")
    head = (
        f"\x1b[34m[\x1b[0m\x1b[34m{m.group(1)}\x1b[0m\x1b[34m]\x1b[0m {{\x1b[34m{m.group(2)}\x1b[0m}} "
        f"\x1b[{colour}m{m.group(3)}\x1b[0m - "
    )
    return head + line[m.end() :]


def write_case(
    out: Path, case: Case, index: int, seed: int, data: Data, big_line_mb: float, cascade: int
) -> dict[str, Any]:
    r = random.Random(f"{seed}:{case.case_id}")
    label: dict[str, Any] = {}
    files: list[str] = []
    base = make_ctx(r, case, index, big_line_mb, cascade)
    for attempt in range(1, case.attempts + 1):
        latest = attempt == case.attempts
        ctx = for_attempt(base, attempt)
        spec = case.spec if latest or case.earlier is None else case.earlier
        scen = spec(r, ctx)
        base.task_id = ctx.task_id = base.task_id or scen.task_id
        rend = Renderer(case.fmt, ctx, data)
        for item in scen.items:
            if isinstance(item, BG) and item.n < 0:
                item.n = len(data.raw[item.source])
        rend.render(scen)
        lines = rend.lines
        gold = list(rend.gold)
        if scen.kind in ("hadoop_natural",) and latest:
            gold = _natural_gold(lines)
        if "ansi" in case.variants and case.fmt == "airflow2":
            lines = [ansi_a2(ln, r) for ln in lines]
        rel = f"dag_id={ctx.dag_id}/run_id={ctx.run_id}/task_id={ctx.task_id}/"
        rel += f"map_index={ctx.map_index}/" if ctx.map_index >= 0 else ""
        rel += f"attempt={attempt}.log"
        nl = "\r\n" if "crlf" in case.variants else "\n"
        payload = (nl.join(lines) + nl).encode("utf-8")
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if "gzip" in case.variants:
            rel += ".gz"
            with open(out / rel, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
                gz.write(payload)
        else:
            path.write_bytes(payload)
        files.append(rel)
        if latest:
            if scen.no_cause:
                gold = []
                if case.fmt == "airflow3":
                    scen.alternatives = (*scen.alternatives, "unknown")
            label = {
                "case_id": case.case_id,
                "kind": case.kind,
                "format": case.fmt,
                "variants": case.variants,
                "dag_id": ctx.dag_id,
                "run_id": ctx.run_id,
                "task_id": ctx.task_id,
                "try_number": attempt,
                "map_index": ctx.map_index if ctx.map_index >= 0 else None,
                "call": {
                    "dag_id": ctx.dag_id,
                    "run_id": ctx.run_id,
                    "task_id": ctx.task_id,
                    **({"map_index": ctx.map_index} if ctx.map_index >= 0 else {}),
                },
                "path": rel,
                "attempt_files": files,
                "lines_total": len(lines),
                "gold_lines": sorted({g["line"] for g in gold}),
                "gold": gold,
                "no_cause": scen.no_cause,
                "error_category": scen.category,
                "category_alternatives": list(scen.alternatives),
                "exception_type": scen.exception_type,
                "operator": scen.operator,
                "scenario": scen.kind,
            }
    return label


def _natural_gold(lines: list[str]) -> list[dict[str, Any]]:
    gold = []
    first_rm = True
    for i, ln in enumerate(lines, 1):
        if "FATAL" in ln and "NoRouteToHostException" in ln:
            gold.append({"line": i, "contains": "NoRouteToHostException"})
        elif "ERROR IN CONTACTING RM" in ln and first_rm:
            first_rm = False
            gold.append({"line": i, "contains": "ERROR IN CONTACTING RM"})
    return gold


def generate(
    out: Path,
    seed: int = 7,
    per_kind: int = 4,
    big_line_mb: float = 50.0,
    cascade_lines: int = 10_000,
    data: Data | None = None,
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Write the corpus under `out` and return the labels (also written to out/labels.json)."""
    data = data or Data()
    out.mkdir(parents=True, exist_ok=True)
    labels = []
    for index, case in enumerate(plan(seed, per_kind)):
        if only is not None and case.case_id not in only and case.kind not in only:
            continue
        labels.append(write_case(out, case, index, seed, data, big_line_mb, cascade_lines))
    meta = {
        "generator": fingerprint(),
        "seed": seed,
        "per_kind": per_kind,
        "big_line_mb": big_line_mb,
        "cascade_lines": cascade_lines,
        "cases": labels,
    }
    (out / "labels.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    return labels
