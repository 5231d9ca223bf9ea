"""Root-cause quality of airflow_logs `find_failure` on the labelled corpus of bench/logcorpus/.

Runs every case through the MCP tool in memory and measures, for the gold line(s) of each case: recall@1, recall@5,
MRR, whether the gold line is anywhere in the answer, tokens returned (len(JSON)/4), error_category accuracy, root
exception_type accuracy and, on logs whose cause is not in the log (SIGKILL/OOM), whether the tool says so
(`cause_in_log: false` counts as the right answer at rank 1). Side by side with the baselines peers use:

- tail-200: the last 200 lines (ranked newest first);
- grep-20: the first 20 lines matching `ERROR|Exception` (plus `"level":"error"` for Airflow 3 JSON), in file order.

Writes the misses per kind to /tmp/rootcause_misses.txt and appends a summary to /tmp/rootcause_report.txt.

    .venv/bin/python bench/airflow_logs_rootcause.py [--corpus DIR] [--seed 7] [--per-kind 4] [--big-line-mb 50]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402

from bench.logcorpus import ANSI_RE, fingerprint, generate, read_lines  # noqa: E402

MISSES = Path("/tmp/rootcause_misses.txt")
REPORT = Path("/tmp/rootcause_report.txt")
GREP = re.compile(r'ERROR|Exception|"level":\s*"(?:error|critical)"')
TARGETS = {"r@1": 0.90, "r@5": 0.97, "tokens_mean": 2000}


@dataclass
class Outcome:
    rank: int | None  # 1-based rank of the first gold line; None = not in the answer
    tokens: float
    top: list[dict[str, Any]] = field(default_factory=list)
    category: str | None = None
    exception_type: str | None = None
    cause_in_log: bool | None = None
    error: str | None = None
    seconds: float = 0.0


def tokens_of(text: str) -> float:
    return len(text) / 4


def rank_in(line_numbers: Iterable[int], gold: set[int]) -> int | None:
    for i, n in enumerate(line_numbers, 1):
        if n in gold:
            return i
    return None


# ----------------------------------------------------------------------------------------------- baselines


def baselines(corpus: Path, case: dict[str, Any]) -> tuple[Outcome, Outcome]:
    gold = set(case["gold_lines"])
    lines = list(read_lines(corpus / case["path"]))
    n = len(lines)
    tail = range(n, max(0, n - 200), -1)  # newest first
    tail_tokens = sum(tokens_of(lines[i - 1]) + 0.25 for i in tail)
    hits: list[int] = []
    for i, ln in enumerate(lines, 1):
        if GREP.search(ln):
            hits.append(i)
            if len(hits) == 20:
                break
    grep_tokens = sum(tokens_of(lines[i - 1]) + 0.25 for i in hits)
    if case["no_cause"]:
        return Outcome(None, tail_tokens), Outcome(None, grep_tokens)
    return Outcome(rank_in(tail, gold), tail_tokens), Outcome(rank_in(hits, gold), grep_tokens)


# ---------------------------------------------------------------------------------------------- the server


async def run_server(corpus: Path, cases: list[dict[str, Any]]) -> dict[str, Outcome]:
    from mcp import Client

    from oncall_mcp.servers.airflow_logs.server import build_server
    from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

    server = build_server(AirflowLogsSettings(source=str(corpus)))
    out: dict[str, Outcome] = {}
    async with Client(server.mcp) as client:
        for case in cases:
            t0 = time.perf_counter()
            try:
                r = await client.call_tool("find_failure", case["call"])
            except Exception as exc:  # the bench must report a crash as a miss, not stop
                out[case["case_id"]] = Outcome(None, 0.0, error=f"{type(exc).__name__}: {exc}")
                continue
            dt = time.perf_counter() - t0
            if r.is_error or not r.structured_content:
                text = " ".join(getattr(c, "text", "") for c in r.content)
                out[case["case_id"]] = Outcome(None, tokens_of(text), error=text[:300], seconds=dt)
                continue
            sc = r.structured_content
            rcl = sc.get("root_cause_lines") or []
            gold = set(case["gold_lines"])
            cause_in_log = sc.get("cause_in_log")
            if case["no_cause"]:
                rank = 1 if cause_in_log is False else None
            else:
                rank = rank_in((x["line_number"] for x in rcl), gold)
            out[case["case_id"]] = Outcome(
                rank=rank,
                tokens=tokens_of(json.dumps(sc, ensure_ascii=False)),
                top=rcl[:3],
                category=sc.get("error_category"),
                exception_type=sc.get("exception_type"),
                cause_in_log=cause_in_log,
                seconds=dt,
            )
    return out


# ------------------------------------------------------------------------------------------------ metrics


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    if not outcomes:
        return {}
    n = len(outcomes)
    toks = [o.tokens for o in outcomes]
    return {
        "n": n,
        "r@1": sum(o.rank == 1 for o in outcomes) / n,
        "r@5": sum(o.rank is not None and o.rank <= 5 for o in outcomes) / n,
        "mrr": sum(1 / o.rank for o in outcomes if o.rank) / n,
        "in_answer": sum(o.rank is not None for o in outcomes) / n,
        "tokens_mean": statistics.fmean(toks),
        "tokens_median": statistics.median(toks),
        "tokens_max": max(toks),
    }


def fmt_row(name: str, m: dict[str, float]) -> str:
    if not m:
        return f"{name:<22} (no cases)"
    return (
        f"{name:<22} {m['n']:>4} {m['r@1']:>6.3f} {m['r@5']:>6.3f} {m['mrr']:>6.3f} {m['in_answer']:>7.3f} "
        f"{m['tokens_mean']:>9.0f} {m['tokens_median']:>8.0f} {m['tokens_max']:>9.0f}"
    )


HEADER = (
    f"{'method':<22} {'n':>4} {'r@1':>6} {'r@5':>6} {'MRR':>6} {'in-ans':>7} "
    f"{'tok-mean':>9} {'tok-med':>8} {'tok-max':>9}"
)


def category_ok(case: dict[str, Any], got: str | None) -> bool:
    return got == case["error_category"] or got in case["category_alternatives"]


def exc_ok(case: dict[str, Any], got: str | None) -> bool:
    want = case["exception_type"]
    return bool(got) and (got == want or got.rsplit(".", 1)[-1] == want)


def clip(text: str, n: int = 160) -> str:
    text = ANSI_RE.sub("", text).replace("\n", "\\n")
    return text if len(text) <= n else text[: n - 3] + "..."


def report(
    corpus: Path,
    cases: list[dict[str, Any]],
    srv: dict[str, Outcome],
    base: dict[str, tuple[Outcome, Outcome]],
    elapsed: float,
) -> str:
    out: list[str] = []
    cause = [c for c in cases if not c["no_cause"]]
    nocause = [c for c in cases if c["no_cause"]]

    def block(title: str, subset: list[dict[str, Any]]) -> None:
        out.append(f"\n{title}")
        out.append(HEADER)
        out.append(fmt_row("find_failure", metrics([srv[c["case_id"]] for c in subset])))
        out.append(fmt_row("tail-200 (peers)", metrics([base[c["case_id"]][0] for c in subset])))
        out.append(fmt_row("grep-20 ERROR|Exception", metrics([base[c["case_id"]][1] for c in subset])))

    block(
        f"All {len(cases)} cases (no-cause cases count as a hit at rank 1 when the tool says cause_in_log=false)", cases
    )
    block(f"{len(cause)} cases whose cause is in the log", cause)
    m_all = metrics([srv[c["case_id"]] for c in cases])
    abstain = sum(srv[c["case_id"]].cause_in_log is False for c in nocause)
    false_abstain = [c["case_id"] for c in cause if srv[c["case_id"]].cause_in_log is False]
    cat = sum(category_ok(c, srv[c["case_id"]].category) for c in cases)
    with_exc = [c for c in cases if c["exception_type"]]
    exc = sum(exc_ok(c, srv[c["case_id"]].exception_type) for c in with_exc)
    errors = [c["case_id"] for c in cases if srv[c["case_id"]].error]
    secs = [srv[c["case_id"]].seconds for c in cases if not srv[c["case_id"]].error]
    out.append("")
    out.append(
        f"no cause in the log: said so in {abstain}/{len(nocause)}; false 'not in log' on {len(false_abstain)} "
        f"cases with a cause {false_abstain[:10]}"
    )
    out.append(f"error_category accuracy: {cat}/{len(cases)} = {cat / len(cases):.3f}")
    if with_exc:
        out.append(f"root exception_type accuracy: {exc}/{len(with_exc)} = {exc / len(with_exc):.3f}")
    if secs:
        out.append(f"find_failure latency: mean {statistics.fmean(secs) * 1000:.0f} ms, max {max(secs) * 1000:.0f} ms")
    out.append(f"tool errors: {len(errors)} {errors[:10]}")
    verdict = [
        f"r@1 {m_all['r@1']:.3f} {'OK' if m_all['r@1'] >= TARGETS['r@1'] else 'BELOW'} target {TARGETS['r@1']}",
        f"r@5 {m_all['r@5']:.3f} {'OK' if m_all['r@5'] >= TARGETS['r@5'] else 'BELOW'} target {TARGETS['r@5']}",
        f"mean tokens {m_all['tokens_mean']:.0f} (max {m_all['tokens_max']:.0f}) "
        f"{'OK' if m_all['tokens_mean'] <= TARGETS['tokens_mean'] else 'ABOVE'} target <= {TARGETS['tokens_mean']}",
    ]
    out.append("targets: " + "; ".join(verdict))

    out.append("\nper kind (find_failure r@1 / r@5 / category-accuracy; baselines r@5)")
    out.append(f"{'kind':<26} {'n':>3} {'r@1':>6} {'r@5':>6} {'cat':>6} {'tail r@5':>9} {'grep r@5':>9}")
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_fmt: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_var: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in cases:
        by_kind[c["kind"]].append(c)
        by_fmt[c["format"]].append(c)
        for v in c["variants"] or ["plain"]:
            by_var[v].append(c)
    for label, groups in (("kind", by_kind), ("format", by_fmt), ("variant", by_var)):
        if label != "kind":
            out.append(f"\nper {label}")
        for key in sorted(groups):
            sub = groups[key]
            m = metrics([srv[c["case_id"]] for c in sub])
            mt = metrics([base[c["case_id"]][0] for c in sub])
            mg = metrics([base[c["case_id"]][1] for c in sub])
            cacc = sum(category_ok(c, srv[c["case_id"]].category) for c in sub) / len(sub)
            out.append(
                f"{key:<26} {len(sub):>3} {m['r@1']:>6.2f} {m['r@5']:>6.2f} {cacc:>6.2f} {mt['r@5']:>9.2f} "
                f"{mg['r@5']:>9.2f}"
            )
    out.append(f"\ncorpus: {corpus} ({len(cases)} cases); bench wall time {elapsed:.1f} s")
    return "\n".join(out)


def misses_text(cases: list[dict[str, Any]], srv: dict[str, Outcome], corpus: Path) -> str:
    out: list[str] = [
        f"# find_failure misses ({datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC), corpus {corpus}",
        "# rank = rank of the first gold line in root_cause_lines (none = not returned)",
        f"# reproduce: .venv/bin/python bench/airflow_logs_rootcause.py --corpus {corpus} [--only CASE_ID|KIND ...]",
        "",
    ]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in cases:
        o = srv[c["case_id"]]
        if o.rank != 1 or not category_ok(c, o.category):
            by_kind[c["kind"]].append(c)
    for kind in sorted(by_kind):
        out.append(f"## {kind} ({len(by_kind[kind])})")
        for c in by_kind[kind]:
            o = srv[c["case_id"]]
            what = "RANK" if o.rank != 1 else "CATEGORY"
            out.append(
                f"- {c['case_id']} [{what}] {c['format']} {','.join(c['variants']) or 'plain'} "
                f"scenario={c['scenario']} rank={o.rank or 'none'} category={o.category} "
                f"(want {'|'.join([c['error_category'], *c['category_alternatives']])}) "
                f"cause_in_log={o.cause_in_log} exception_type={o.exception_type} (want {c['exception_type']})"
            )
            out.append(f"    file: {c['path']} ({c['lines_total']} lines)")
            if o.error:
                out.append(f"    ERROR: {clip(o.error, 300)}")
            if c["no_cause"]:
                out.append("    gold: no cause in the log (expect cause_in_log=false)")
            for g in c["gold"][:3]:
                out.append(f"    gold {g['line']}: {clip(g['contains'], 140)}")
            for i, t in enumerate(o.top, 1):
                out.append(
                    f"    top{i} {t.get('line_number')} score={t.get('score')} reason={clip(str(t.get('reason')), 60)} "
                    f"| {clip(str(t.get('text')), 140)}"
                )
        out.append("")
    if not by_kind:
        out.append("no misses")
    return "\n".join(out) + "\n"


def git_head() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="reuse/generate the corpus here (default: a temporary folder)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument("--big-line-mb", type=float, default=50.0)
    ap.add_argument("--cascade-lines", type=int, default=10_000)
    ap.add_argument("--only", nargs="*", help="case ids or kinds to run")
    ap.add_argument("--no-files", action="store_true", help="do not write /tmp/rootcause_*.txt")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    tmp = None
    corpus = a.corpus
    if corpus is None:
        tmp = tempfile.mkdtemp(prefix="rootcause-corpus-")
        corpus = Path(tmp)
    try:
        meta_path = corpus / "labels.json"
        params = {
            "seed": a.seed,
            "per_kind": a.per_kind,
            "big_line_mb": a.big_line_mb,
            "cascade_lines": a.cascade_lines,
        }
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
        params["generator"] = fingerprint()
        if meta is None or any(meta.get(k) != v for k, v in params.items()):
            if corpus.exists() and meta is not None:
                shutil.rmtree(corpus)
            generate(corpus, a.seed, a.per_kind, a.big_line_mb, a.cascade_lines)
            meta = json.loads(meta_path.read_text())
        cases = meta["cases"]
        if a.only:
            cases = [c for c in cases if c["case_id"] in a.only or c["kind"] in a.only]
        t_gen = time.perf_counter() - t0
        base = {c["case_id"]: baselines(corpus, c) for c in cases}
        srv = anyio.run(run_server, corpus, cases)
        elapsed = time.perf_counter() - t0
        text = report(corpus, cases, srv, base, elapsed)
        head = (
            f"airflow_logs root-cause benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC — "
            f"repo {git_head()} — seed {a.seed}, corpus ready in {t_gen:.1f} s"
        )
        sys.stdout.write(head + "\n" + text + "\n")
        if not a.no_files:
            MISSES.write_text(misses_text(cases, srv, corpus), encoding="utf-8")
            m = metrics([srv[c["case_id"]] for c in cases])
            cat = sum(category_ok(c, srv[c["case_id"]].category) for c in cases) / len(cases)
            with REPORT.open("a", encoding="utf-8") as fh:
                fh.write(
                    f"{head}\n  find_failure: n={m['n']} r@1={m['r@1']:.3f} r@5={m['r@5']:.3f} "
                    f"MRR={m['mrr']:.3f} tokens mean/median/max={m['tokens_mean']:.0f}/"
                    f"{m['tokens_median']:.0f}/{m['tokens_max']:.0f} category={cat:.3f}\n"
                )
                for name, idx in (("tail-200", 0), ("grep-20", 1)):
                    mb = metrics([base[c["case_id"]][idx] for c in cases])
                    fh.write(
                        f"  {name}: r@1={mb['r@1']:.3f} r@5={mb['r@5']:.3f} MRR={mb['mrr']:.3f} "
                        f"tokens mean={mb['tokens_mean']:.0f}\n"
                    )
                fh.write(f"  misses: {MISSES}\n")
            sys.stdout.write(f"\nmisses per kind: {MISSES}; summary appended to {REPORT}\n")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
