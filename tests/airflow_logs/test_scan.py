"""The candidate pass itself: hyperscan and the google-re2 fallback find the same lines with exact line numbers,
over real logs, odd chunkings, CRLF, over-long lines and gzip; cascades keep the first and the last lines."""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_mcp.servers.airflow_logs import scan
from tests.harness import SHARED_DATA, requires_shared_data

REAL = sorted((SHARED_DATA / "airflow3-logs").rglob("*.log")) + sorted((SHARED_DATA / "loghub").glob("*_2k.log"))


def real_logs() -> list[Path]:
    """The real Airflow 3 and loghub logs, or a skip naming where they were looked for."""
    for mark in requires_shared_data.mark.args:
        if mark:
            pytest.skip(requires_shared_data.mark.kwargs["reason"])
    return REAL


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def sample() -> bytes:
    parts = [p.read_bytes() for p in real_logs()]
    assert len(parts) >= 8, "the shared real logs are missing"
    odd = (
        b"plain start\r\n\x1b[31mERROR\x1b[0m coloured line\r\n"
        + b"x" * (scan.LINE_CAP + 123_456)  # longer than LINE_CAP: scanned in fragments
        + b" ... Traceback at the very end of a huge line\n"
        + b'  File "/opt/airflow/dags/x.py", line 3, in run\n'
        + b"last line without newline: Killed"
    )
    return b"".join(parts) + odd


def naive(data: bytes, pattern: bytes) -> list[int]:
    rx = re.compile(pattern)
    return [i for i, line in enumerate(data.split(b"\n"), 1) if rx.search(line)]


def key(res: scan.ScanResult) -> tuple:
    return [(h.line_number, h.raw, h.line_bytes) for h in res.hits], res.lines_total, res.tail, res.head


def test_hyperscan_is_the_default_engine() -> None:
    # the airflow-logs extra installs the accelerator; auto picks it, re2 stays available as the fallback
    assert scan.resolve_engine("auto") == "hyperscan"
    assert scan.resolve_engine(None) == "hyperscan"
    assert scan.resolve_engine("re2") == "re2"
    with pytest.raises(ValueError, match="unknown scan engine"):
        scan.resolve_engine("grep")


@pytest.mark.parametrize("size", [64 * 1024, 1024 * 1024 + 7, 8 * 1024 * 1024])
def test_engines_agree_with_exact_line_numbers(size: int) -> None:
    data = sample()
    expected = naive(data, scan.CANDIDATE)
    results = {eng: scan.scan(chunked(data, size), engine=eng) for eng in ("hyperscan", "re2")}
    assert key(results["hyperscan"]) == key(results["re2"])
    res = results["hyperscan"]
    # one hit per line; the over-long line is one hit at its own line number
    assert [h.line_number for h in res.hits] == expected
    assert res.lines_total == data.count(b"\n") + 1
    assert res.tail[-1] == (res.lines_total, b"last line without newline: Killed")
    huge = [h for h in res.hits if h.raw.startswith(b"xxxx")]
    assert len(huge) == 1 and len(huge[0].raw) <= scan.MAX_KEEP  # clipped, reported once
    assert not res.truncated and not res.warnings


def test_newline_count_matches_bytes_count_across_blocks() -> None:
    rnd = random.Random(3)
    data = bytes(rnd.choice(b"ab\n") for _ in range(3 * scan.COUNT_BLOCK + 999))
    for start, end in [(0, len(data)), (1, len(data) - 1), (scan.COUNT_BLOCK - 1, 2 * scan.COUNT_BLOCK + 5), (7, 90)]:
        assert scan.count_newlines(data, start, end) == data.count(b"\n", start, end)


def test_line_numbers_are_the_same_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    data = sample()
    fast = scan.scan(chunked(data, 8 * 1024 * 1024))
    monkeypatch.setattr(scan, "numpy", None)
    plain = scan.scan(chunked(data, 8 * 1024 * 1024))
    assert key(fast) == key(plain)
    assert fast.lines_total == data.count(b"\n") + 1


def test_engines_agree_on_gzip(tmp_path: Path) -> None:
    data = b"".join(p.read_bytes() for p in real_logs())
    packed = gzip.compress(data[: len(data) // 2]) + gzip.compress(data[len(data) // 2 :])  # multi-member
    a = scan.scan(chunked(packed, 100_000), engine="hyperscan")
    b = scan.scan(chunked(packed, 100_000), engine="re2")
    assert key(a) == key(b)
    assert [h.line_number for h in a.hits] == naive(data, scan.CANDIDATE)
    assert a.bytes_scanned == len(packed) and a.bytes_decoded == len(data)


@pytest.mark.parametrize("size", [64 * 1024, 1024 * 1024 + 7])
@pytest.mark.parametrize("start", [1, 700, 3000])
def test_iter_lines_numbers_every_line_from_start(size: int, start: int) -> None:
    data = sample()
    lines = data.split(b"\n")
    count = scan.LineCount()
    got = list(scan.iter_lines(chunked(data, size), start, count))
    # every line once, the over-long one clipped to its first MAX_KEEP bytes
    assert got == [(i, line[: scan.MAX_KEEP]) for i, line in enumerate(lines, 1) if i >= start]
    assert count.newlines == data.count(b"\n") and count.problem is None


def test_iter_lines_reads_gzip_and_reports_a_cut_stream() -> None:
    data = b"".join(p.read_bytes() for p in real_logs()[:3])
    packed = gzip.compress(data)
    assert [n for n, _ in scan.iter_lines(chunked(packed, 10_000))] == list(range(1, data.count(b"\n") + 1))
    count = scan.LineCount()
    list(scan.iter_lines([packed[: len(packed) // 2]], count=count))
    assert count.problem and "truncated" in count.problem


def test_pattern_hyperscan_rejects_falls_back_to_re2() -> None:
    pattern = rb"(?U)denied\w+"  # (?U) is RE2 syntax hyperscan does not know
    assert scan._hs_pattern(pattern) is None
    data = b"ok\naccess deniedXYZ here\nnothing\n"
    res = scan.scan([data], pattern=pattern, engine="hyperscan")
    assert [h.line_number for h in res.hits] == [2]


@pytest.mark.parametrize("engine", ["hyperscan", "re2"])
def test_cascade_keeps_first_and_last_lines(engine: str) -> None:
    lines = [f"ERROR cascade line {i}" if i % 2 else f"info {i}" for i in range(1, 20_001)]
    data = ("\n".join(lines) + "\n").encode()
    res = scan.scan(chunked(data, 50_000), max_hits=100, engine=engine)
    numbers = [h.line_number for h in res.hits]
    odd = list(range(1, 20_001, 2))
    assert numbers == odd[:50] + odd[-50:]
    assert res.hits_dropped == len(odd) - 100
    assert "cascade limit" in res.warnings[0] and "the first and the last" in res.warnings[0]
    assert res.hits[-1].raw == b"ERROR cascade line 19999"


def test_kept_lines_are_bounded_in_bytes() -> None:
    kept = scan._Kept(max_hits=1000, max_bytes=40_000)
    for i in range(500):
        kept.add(scan.Hit(i + 1, b"E" * 1000, 1000))
    hits = kept.hits()
    assert sum(len(h.raw) for h in hits) <= 40_000
    assert hits[0].line_number == 1 and hits[-1].line_number == 500
    assert kept.dropped == 500 - len(hits)


def spam_log(repeats: int) -> bytes:
    """Spark WARN spam (one template, numbers vary), one Python traceback printed three times, a final error."""
    lines: list[str] = []
    for i in range(repeats):
        lines.append(f"24/11/21 00:{i % 60:02d}:{i % 60:02d} INFO Executor: Finished task {i}.0")
        lines.append(f"24/11/21 00:{i % 60:02d}:{i % 60:02d} WARN TaskSetManager: Lost task {i}.0 (TID {i}) failed")
        if i % (repeats // 3) == 0:
            lines += ["Traceback (most recent call last):", '  File "/opt/airflow/dags/x.py", line 3, in run']
            lines.append("ValueError: bad row")
    lines.append("[2026-11-21T01:00:00.000+0000] {taskinstance.py:2698} ERROR - Task failed with exception")
    lines.append("KeyError: 'amount'")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("engine", ["hyperscan", "re2"])
def test_repeated_templates_are_counted_not_kept(engine: str) -> None:
    data = spam_log(3000)
    every = scan.scan(chunked(data, 64 * 1024), engine=engine)
    res = scan.scan(chunked(data, 64 * 1024), engine=engine, collapse_after=2)
    assert res.lines_total == every.lines_total == data.count(b"\n")
    # the weights account for every candidate line; each kept line is one the full scan found, same number
    assert sum(h.weight for h in res.hits) == len(every.hits)
    full = {h.line_number: h.raw for h in every.hits}
    assert all(full[h.line_number] == h.raw for h in res.hits)
    warn = [h for h in res.hits if b"Lost task" in h.raw]
    assert [h.weight for h in warn] == [1, 1, 2998]  # the first two, then the latest standing for the rest
    assert warn[-1].line_number == max(n for n, raw in full.items() if b"Lost task" in raw)
    # traceback structure is positional: every frame and header is kept
    assert sum(b'File "' in h.raw for h in res.hits) == sum(b'File "' in h.raw for h in every.hits) == 3
    assert res.hits[-1].raw == b"KeyError: 'amount'"
    assert len(res.hits) < 20


def test_collapsed_scan_ranks_like_the_full_one() -> None:
    from oncall_mcp.servers.airflow_logs.rank import analyze

    data = spam_log(3000)
    full = analyze(scan.scan(chunked(data, 1 << 20)))
    fast = analyze(scan.scan(chunked(data, 1 << 20), collapse_after=2))
    assert [(e.line_number, e.count, e.category) for e in fast.events[:5]] == [
        (e.line_number, e.count, e.category) for e in full.events[:5]
    ]
    assert fast.events[0].text == "KeyError: 'amount'" and fast.category == full.category
