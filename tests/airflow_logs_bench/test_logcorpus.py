"""The labelled root-cause corpus itself: gold lines really hold the injected text, in every format and variant."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bench import logcorpus
from tests.airflow_logs_bench.small_corpus import SMALL

A2_HEAD = re.compile(
    r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000\] \{[\w.]+:\d+\} (INFO|WARNING|ERROR|CRITICAL) - "
)


def strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return []


def line_text(fmt: str, line: str) -> str:
    """What a reader sees in one physical line: JSON string fields for Airflow 3, ANSI-free text for Airflow 2."""
    if fmt == "airflow3":
        return "\n".join(strings(json.loads(line)))
    return logcorpus.ANSI_RE.sub("", line)


def lines_of(root: Path, rel: str) -> list[str]:
    return list(logcorpus.read_lines(root / rel))


def test_every_gold_line_holds_its_injected_text(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    root, labels = corpus
    checked = 0
    for case in labels:
        lines = lines_of(root, case["path"])
        assert case["lines_total"] == len(lines), case["case_id"]
        assert case["no_cause"] == (not case["gold"]), case["case_id"]
        assert case["gold_lines"] == sorted({g["line"] for g in case["gold"]})
        for g in case["gold"]:
            assert 1 <= g["line"] <= len(lines), case["case_id"]
            assert g["contains"].strip(), case["case_id"]
            assert g["contains"] in line_text(case["format"], lines[g["line"] - 1]), (case["case_id"], g)
            checked += 1
    assert checked >= len(labels) - 20


def test_labels_name_real_categories_and_calls(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    root, labels = corpus
    meta = json.loads((root / "labels.json").read_text())
    assert meta["cases"] == labels and meta["seed"] == SMALL["seed"]
    assert len({c["case_id"] for c in labels}) == len(labels)
    for case in labels:
        assert case["error_category"] in logcorpus.CATEGORIES
        assert set(case["category_alternatives"]) <= set(logcorpus.CATEGORIES)
        call = case["call"]
        assert (call["dag_id"], call["run_id"], call["task_id"]) == (case["dag_id"], case["run_id"], case["task_id"])
        assert call.get("map_index") == case["map_index"]
        expected = f"dag_id={case['dag_id']}/run_id={case['run_id']}/task_id={case['task_id']}/"
        expected += f"map_index={case['map_index']}/" if case["map_index"] is not None else ""
        expected += f"attempt={case['try_number']}.log"
        assert case["path"].removesuffix(".gz") == expected
        assert case["path"].endswith(".gz") == ("gzip" in case["variants"])


def test_airflow3_files_are_json_lines_like_the_real_ones(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    root, labels = corpus
    seen = Counter()
    for case in (c for c in labels if c["format"] == "airflow3"):
        for rel in case["attempt_files"]:
            for line in lines_of(root, rel):
                rec = json.loads(line)
                assert list(rec)[:3] == ["timestamp", "level", "event"]
                assert rec["timestamp"].endswith("Z")
                if rec.get("logger") == "task.stderr":
                    assert rec["level"] == "error"
                    seen["stderr"] += 1
                for key in ("error_detail", "exception"):
                    if key in rec:
                        seen[key] += 1
                        for exc in rec[key]:
                            assert set(exc) >= {"exc_type", "exc_value", "is_cause", "frames", "exc_notes"}
                            assert "." not in exc["exc_type"]
                if "dag_id" in rec:
                    assert rec["dag_id"] == case["dag_id"] and rec["run_id"] == case["run_id"]
    assert seen["stderr"] and seen["error_detail"] and seen["exception"]


def test_airflow2_files_are_airflow_text(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    root, labels = corpus
    tracebacks = 0
    for case in (c for c in labels if c["format"] == "airflow2"):
        lines = [logcorpus.ANSI_RE.sub("", ln) for ln in lines_of(root, case["path"])]
        assert A2_HEAD.match(lines[0]), case["case_id"]
        heads = sum(bool(A2_HEAD.match(ln)) for ln in lines)
        assert heads >= len(lines) * 0.5, case["case_id"]
        tracebacks += sum(ln == "Traceback (most recent call last):" for ln in lines)
        if not case["no_cause"] and case["kind"] != "multi_attempt":
            assert any("Marking task as" in ln for ln in lines), case["case_id"]
    assert tracebacks > 10


def _render(tmp: Path, case: logcorpus.Case, variants: list[str]) -> tuple[dict[str, Any], list[str], bytes]:
    index = int(case.case_id[1:]) - 1
    label = logcorpus.write_case(tmp, dataclasses.replace(case, variants=variants), index, SMALL["seed"],
                                 logcorpus.Data(), SMALL["big_line_mb"], SMALL["cascade_lines"])  # fmt: skip
    return label, lines_of(tmp, label["path"]), (tmp / label["path"]).read_bytes()


def test_gzip_crlf_and_ansi_variants_decode_to_the_same_gold(tmp_path: Path) -> None:
    plan = logcorpus.plan(SMALL["seed"], SMALL["per_kind"])
    picks = [c for c in plan if c.kind in ("python_chain", "dbt", "spark_caused_by_chain")]
    assert {c.fmt for c in picks} == {"airflow2", "airflow3"}
    for case in picks[:6]:
        plain, plain_lines, plain_raw = _render(tmp_path / f"{case.case_id}-plain", case, [])
        assert b"\r" not in plain_raw
        for variants in (["crlf"], ["gzip"], ["crlf", "gzip"], ["ansi"]):
            label, lines, raw = _render(tmp_path / f"{case.case_id}-{'-'.join(variants)}", case, variants)
            assert label["gold"] == plain["gold"], (case.case_id, variants)
            assert label["lines_total"] == plain["lines_total"]
            if "gzip" in variants:
                assert raw[:2] == b"\x1f\x8b"
                raw = gzip.decompress(raw)
            if "crlf" in variants:
                assert raw.count(b"\r\n") == raw.count(b"\n") == len(plain_lines)
            if "ansi" in variants and case.fmt == "airflow2":
                assert lines != plain_lines and "\x1b[" in lines[0]
                assert [logcorpus.ANSI_RE.sub("", ln) for ln in lines] == plain_lines
            else:
                assert lines == plain_lines, (case.case_id, variants)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    only = {"c001", "c010", "multi_attempt"}
    kw = {**SMALL, "only": only}
    a = logcorpus.generate(tmp_path / "a", **kw)
    b = logcorpus.generate(tmp_path / "b", **kw)
    c = logcorpus.generate(tmp_path / "c", **{**kw, "seed": SMALL["seed"] + 1})
    assert a == b and len(a) >= 4
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert [x["gold_lines"] for x in a] != [x["gold_lines"] for x in c]


def test_hard_cases_are_present_and_hard(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    root, labels = corpus
    kinds = Counter(c["kind"] for c in labels)
    for kind in (
        "cascade_10k",
        "no_cause",
        "multi_attempt",
        "big_line",
        "yarn_memory_far",
        "cause_at_warn",
        "python_chain",
        "spark_caused_by_chain",
        "hadoop_natural",
        "ansi_dbt",
        "airflow3_exception_key",
    ):
        assert kinds[kind] >= 1, kind
    variants = Counter(v for c in labels for v in c["variants"])
    assert all(variants[v] >= 3 for v in ("ansi", "crlf", "gzip", "map_index")), variants
    for case in labels:
        lines = lines_of(root, case["path"])
        gold = case["gold_lines"]
        if case["kind"] == "cascade_10k":
            after = lines[gold[0] :]
            template = Counter(re.sub(r"\d+", "N", logcorpus.ANSI_RE.sub("", ln)[30:]) for ln in after)
            assert template.most_common(1)[0][1] >= SMALL["cascade_lines"]
        if case["kind"] == "yarn_memory_far":
            assert len(lines) - gold[0] >= 3000
        if case["kind"] == "big_line":
            longest = max(range(len(lines)), key=lambda i: len(lines[i]))
            assert len(lines[longest]) >= SMALL["big_line_mb"] * 1024 * 1024 * 0.99
            assert longest + 1 < gold[0]
        if case["kind"] == "multi_attempt":
            assert case["try_number"] >= 2 and len(case["attempt_files"]) == case["try_number"]
            for rel in case["attempt_files"][:-1]:
                assert (root / rel).exists()
        if case["kind"] == "no_cause":
            assert not gold and case["error_category"] == "killed"
        if case["scenario"] == "spark_caused_by_chain":
            text = [logcorpus.ANSI_RE.sub("", ln) for ln in lines]
            caused = [i + 1 for i, ln in enumerate(text) if "Caused by:" in ln]
            assert gold == [caused[-1]] and len(caused) >= 2
        if case["scenario"] == "python_chain" and case["format"] == "airflow2":
            text = [logcorpus.ANSI_RE.sub("", ln) for ln in lines]
            link = min(i + 1 for i, ln in enumerate(text) if ln.startswith(("The above exception", "During handling")))
            assert gold[0] < link
        if case["scenario"] == "python_chain" and case["format"] == "airflow3":
            rec = json.loads(lines[gold[0] - 1])
            chain = rec["error_detail"]
            assert chain[-1]["exc_type"] == case["exception_type"] and len(chain) >= 2
        if case["kind"] == "cause_at_warn":
            raw = logcorpus.ANSI_RE.sub("", lines[gold[0] - 1])
            assert "WARN" in raw or '"level":"warning"' in raw


def test_injected_strings_are_the_real_ones(corpus: tuple[Path, list[dict[str, Any]]]) -> None:
    _, labels = corpus
    tsv = logcorpus.Data().error_strings
    golds = "\n".join(g["contains"] for c in labels for g in c["gold"])
    for fragment in ("cannot be resolved", "Container killed by YARN for exceeding memory limits", "UNRESOLVED_COLUMN",
                     "NoRouteToHostException", "ERROR IN CONTACTING RM", "OOMKilled", "No module named",
                     "TrinoUserError", "Exit status: 137"):  # fmt: skip
        assert fragment in tsv, fragment
        assert fragment in golds, fragment
