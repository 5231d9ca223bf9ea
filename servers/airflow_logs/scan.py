"""The one fast pass over a log: stream chunks, find candidate lines with a compiled byte regex, count lines.

Engines, fastest first: hyperscan (Vectorscan, BSD; the `hyperscan` wheel is MIT and links it statically) when it
is installed, else google-re2 (BSD). Both release the GIL and run in linear time on untrusted input, so two threads
scan in parallel and a hostile log cannot make the pass slow. Newlines are counted with numpy (also outside the
GIL). Only candidate lines (a tiny fraction) are kept; everything else is counted and dropped, so memory stays flat
whatever the file size.
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import re2

try:  # optional accelerator (the airflow-logs extra installs it)
    import hyperscan
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    hyperscan = None  # type: ignore[assignment]
try:  # counts newlines ~3x faster than bytes.count, outside the GIL (the airflow-logs extra installs it)
    import numpy
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    numpy = None  # type: ignore[assignment]

log = logging.getLogger("oncall.airflow_logs.scan")

MAX_KEEP = 64 * 1024  # bytes kept of one candidate line (a 50 MB line is clipped)
LINE_CAP = 4 * 1024 * 1024  # a line longer than this is scanned in fragments
TAIL_BYTES = 32 * 1024
HEAD_BYTES = 256 * 1024
MAX_CANDIDATES = 60_000  # candidate lines find_failure analyses: the first half and the last half of the log
KEEP_BYTES = 96 * 1024 * 1024  # most bytes of candidate lines held at once (first half + last half of the log)

_CANDIDATE_WORDS = (
    rb"(?i:(?:\b|(?:\x1b|\\u001b)\[[0-9;]{0,16}m)"  # a word, also right after an ANSI colour (raw or JSON-escaped)
    rb"(?:errors?|exceptions?|fatal|critical|traceback|caused by|fail|failed|failure|killed|sigterm|sigkill"
    rb"|oomkilled|oom|out of memory|exit code|return code|exit status|exited with|exit_code|timed out|timeout"
    # resource exhaustion in a tool's output: prefixes of the phrases (`no space left on device`, `too many open
    # files`), because the full forms slow hyperscan's literal pass on a sparse log ~6x (measured)
    rb"|no space left on|quota exceeded|too many open"
    rb"|denied|forbidden|unauthori[sz]ed|refused|unreachable|cannot|can't|could not|couldn't|unable to|not found"
    rb"|does not exist|no such|invalid|evicted|backoff|panic|aborted|no module named|warn|warning|assertion"
    rb"|succeeded|recovered|reconnected)\b)"
    rb"|[a-z]Warning:|[A-Za-z](?:Error|Exception|Exit|Timeout|Denied|Killed)\b|error_detail|\"exception\""
    rb"|Running statement|Executing|Running command|Running query|Marking task as|Poking for"
    rb"|(?m:^[ \t]+File \")"
)
_MODULE_PATH = rb"(?m:^[a-z_]\w*(?:\.\w+)+"  # a module-qualified exception ending a traceback
CANDIDATE = _CANDIDATE_WORDS + rb"|" + _MODULE_PATH + rb"(?::|\r?$))"
# The same lines for hyperscan, matched through their newline: every match on one line ends at the same offset,
# and hyperscan reports one end offset once, so a line costs one Python callback however many words it has.
CANDIDATE_LINE = rb"(?:" + _CANDIDATE_WORDS + rb"|" + _MODULE_PATH + rb":))[^\n]*\n|" + _MODULE_PATH + rb"\r?\n)"
ENGINES = ("hyperscan", "re2")
_local = threading.local()


def resolve_engine(want: str | None = None) -> str:
    """'hyperscan' when asked for (or 'auto'/None) and importable, else 're2'."""
    if want not in (None, "auto", *ENGINES):
        raise ValueError(f"unknown scan engine {want!r}; use auto, hyperscan or re2")
    if want == "re2" or hyperscan is None:
        return "re2"
    return "hyperscan"


CACHE_PATTERNS = 32  # compiled patterns kept (search_logs compiles one per query)


def compile_bytes(pattern: bytes) -> Any:
    """One compiled RE2 per thread: each keeps its own DFA cache, so two threads do not contend on it.
    A large DFA budget keeps RE2 on its DFA for a big case-insensitive alternation (it is filled lazily)."""
    cache: dict[bytes, Any] = getattr(_local, "cache", None) or {}
    _local.cache = cache
    rx = cache.get(pattern)
    if rx is None:
        if len(cache) >= CACHE_PATTERNS:
            cache.pop(next(iter(cache)))
        options = re2.Options()
        options.max_mem = 256 << 20
        rx = cache[pattern] = re2.compile(pattern, options)
    return rx


class _HsPattern:
    """A compiled hyperscan block-mode database (shared, read-only) and its scratch space, one per thread."""

    def __init__(self, pattern: bytes) -> None:
        self.db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self.db.compile(expressions=[pattern], flags=[hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY])
        self._local = threading.local()

    def scratch(self) -> Any:
        sc = getattr(self._local, "scratch", None)
        if sc is None:
            sc = self._local.scratch = hyperscan.Scratch(self.db)
        return sc


_HS: dict[bytes, _HsPattern | None] = {}
_HS_LOCK = threading.Lock()


def _hs_pattern(pattern: bytes) -> _HsPattern | None:
    """The hyperscan form of `pattern`, or None when hyperscan cannot take it (then RE2 runs it)."""
    with _HS_LOCK:
        if pattern in _HS:
            return _HS[pattern]
        compiled: _HsPattern | None = None
        try:
            compiled = _HsPattern(pattern)
        except Exception as exc:  # an unsupported construct: fall back for this pattern only
            log.info("hyperscan cannot compile a scan pattern (%s); using re2 for it", type(exc).__name__)
        if len(_HS) >= CACHE_PATTERNS:
            _HS.pop(next(iter(_HS)))
        _HS[pattern] = compiled
        return compiled


COUNT_BLOCK = 1 << 20  # newlines are counted a cache-sized block at a time


def count_newlines(buf: bytes, start: int, end: int) -> int:
    """Newlines in buf[start:end]. A long range is counted with numpy's vectorised compare, which releases the GIL
    (bytes.count holds it, and was half the CPU of a sparse log's pass); a short one with bytes.count."""
    if numpy is None or end - start < COUNT_BLOCK:
        return buf.count(b"\n", start, end)
    total = 0
    for lo in range(start, end, COUNT_BLOCK):
        block = numpy.frombuffer(buf, numpy.uint8, min(COUNT_BLOCK, end - lo), lo)
        total += int(numpy.count_nonzero(block == 10))
    return total


Found = list[tuple[int, bytes, int]]  # (newlines before the line in the span, clipped line bytes, line length)
Keys = list[int] | None  # template key of each found line, when the engine computed them


def _scan_span_re2(pattern: bytes, buf: bytes, start: int, end: int) -> tuple[int, Found]:
    rx = compile_bytes(pattern)
    out: Found = []
    pos = start
    last = start
    before = 0
    search = rx.search
    while pos < end:
        m = search(buf, pos, end)
        if m is None:
            break
        s = buf.rfind(b"\n", start, m.start()) + 1 or start
        e = buf.find(b"\n", m.end(), end)
        if e < 0:
            e = end
        before += count_newlines(buf, last, s)
        last = s
        out.append((before, buf[s : min(e, s + MAX_KEEP)], e - s))
        pos = e + 1
    return count_newlines(buf, start, end), out


def _scan_span_hs(hp: _HsPattern, buf: bytes, start: int, end: int) -> tuple[int, Found]:
    out: Found = []
    state = [start, start, 0]  # end of the last taken line, line start counted up to, newlines before it

    def on_match(_id: int, _from: int, to: int, _flags: int, _ctx: Any) -> None:
        to += start
        if to <= state[0]:
            return  # another match on a line already taken
        s = buf.rfind(b"\n", start, max(start, to - 1)) + 1 or start
        e = buf.find(b"\n", to, end)
        if e < 0:
            e = end
        state[2] += count_newlines(buf, state[1], s)
        state[1] = s
        state[0] = e
        out.append((state[2], buf[s : min(e, s + MAX_KEEP)], e - s))

    view = memoryview(buf)[start:end]
    try:
        hp.db.scan(view, match_event_handler=on_match, scratch=hp.scratch())
    finally:
        view.release()
    return count_newlines(buf, start, end), out


def _scan_lines_hs(hp: _HsPattern, buf: bytes, start: int, end: int, keyed: bool) -> tuple[int, Found, Keys]:
    """`_scan_span_hs` for a line pattern (one match per line, ending just past its newline). The callback only
    records where each line ends; the lines are then cut with list comprehensions (a few C calls a line, no Python
    frame), and, when `keyed`, each gets its template key (see `_Templates`)."""
    ends: list[int] = []
    record = ends.append

    def on_match(_id: int, _from: int, to: int, _flags: int, _ctx: Any) -> None:
        record(to)

    view = memoryview(buf)[start:end]
    try:
        hp.db.scan(view, match_event_handler=on_match, scratch=hp.scratch())
    finally:
        view.release()
    rfind = buf.rfind
    stops = [start + to - 1 for to in ends]  # each line's newline
    starts = [(rfind(b"\n", start, e) + 1) or start for e in stops]
    raws = [buf[s : e if e - s <= MAX_KEEP else s + MAX_KEEP] for s, e in zip(starts, stops, strict=True)]
    befores = list(accumulate(count_newlines(buf, a, b) for a, b in zip([start, *starts], starts, strict=False)))
    found = list(zip(befores, raws, [e - s for s, e in zip(starts, stops, strict=True)], strict=True))
    total = (befores[-1] + count_newlines(buf, starts[-1], end)) if starts else count_newlines(buf, start, end)
    keys = [hash(raw.translate(None, DIGITS)) for raw in raws] if keyed else None
    return total, found, keys


LINE_FORMS = {CANDIDATE: CANDIDATE_LINE}


def _scan_span(
    engine: str, pattern: bytes, buf: bytes, start: int, end: int, keyed: bool = False
) -> tuple[int, Found, Keys]:
    if engine == "hyperscan":
        line_form = LINE_FORMS.get(pattern)
        if line_form is not None and end > start and buf[end - 1] == 10:
            hp_line = _hs_pattern(line_form)
            if hp_line is not None:
                return _scan_lines_hs(hp_line, buf, start, end, keyed)
        hp = _hs_pattern(pattern)
        if hp is not None:
            return (*_scan_span_hs(hp, buf, start, end), None)
    return (*_scan_span_re2(pattern, buf, start, end), None)


@dataclass
class Hit:
    line_number: int  # 1-based in the (decompressed) file
    raw: bytes
    line_bytes: int  # full length of the line, possibly more than len(raw)
    weight: int = 1  # occurrences of its template this hit stands for (see `_Templates`)


DIGITS = b"0123456789"
# lines whose every occurrence matters to the ranking (traceback structure, failure markers, states, chains)
POSITIONAL = re.compile(
    rb"^[ \t]|Traceback|The above exception|During handling|Caused by|Marking task as|Task failed|Task exited"
    rb"|return code|exit code|new_state=|externally set|Process terminated|running anymore|Task killed|Pod phase"
)
MAX_TEMPLATES = 100_000


class _Templates:
    """Cheap collapse of repeated candidate lines (WARN spam, retry loops): lines equal once digits are removed share
    a template; after `keep` occurrences a template's further lines are only counted, and its latest one is kept
    with that count as its weight. Positional lines (tracebacks, markers, states) are never collapsed. Costs a
    bytes.translate and a dict lookup a line, so a dense log does not pay the per-line parse for its repeats."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.seen: dict[int, list[int]] = {}  # template hash -> [occurrences, positional]
        self.latest: dict[int, tuple[int, bytes, int]] = {}  # template hash -> latest collapsed line

    def hits(self) -> list[Hit]:
        return sorted(
            (Hit(n, raw, length, self.seen[key][0] - self.keep) for key, (n, raw, length) in self.latest.items()),
            key=lambda h: h.line_number,
        )


@dataclass
class ScanResult:
    hits: list[Hit] = field(default_factory=list)
    lines_total: int = 0
    bytes_scanned: int = 0  # bytes read from storage
    bytes_decoded: int = 0  # bytes after decompression
    head: bytes = b""
    tail: list[tuple[int, bytes]] = field(default_factory=list)
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    binary: bool = False
    hits_dropped: int = 0


class _Decoder:
    """Pass-through for text, streaming gunzip (multi-member) for gzip; notes a truncated stream."""

    def __init__(self) -> None:
        self.mode: str | None = None
        self.dec: Any = None
        self.error: str | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.mode is None:
            self.mode = "gzip" if data[:2] == b"\x1f\x8b" else "plain"
            if self.mode == "gzip":
                self.dec = zlib.decompressobj(47)
        if self.mode == "plain":
            yield data
            return
        if self.error:
            return
        try:
            while data:
                piece = self.dec.decompress(data, 16 << 20)  # bounded: a gzip bomb cannot blow memory up
                if piece:
                    yield piece
                data = self.dec.unconsumed_tail
                if not data and self.dec.eof and self.dec.unused_data[:2] == b"\x1f\x8b":
                    data = self.dec.unused_data
                    self.dec = zlib.decompressobj(47)
        except zlib.error as exc:
            self.error = f"gzip data is corrupt ({exc}); the answer covers what could be decompressed"

    def finish(self) -> str | None:
        if self.error:
            return self.error
        if self.mode == "gzip" and self.dec is not None and not self.dec.eof:
            return "gzip stream ends early (truncated file); the answer covers the lines decompressed so far"
        return None


def _spans(chunks: Iterable[bytes], decoder: _Decoder, result: ScanResult) -> Iterator[tuple[bytes, int, int, bool]]:
    """Cut decoded data at newlines without copying big blocks: yields (buffer, start, end, is_fragment) where
    buffer[start:end] holds whole lines (or a fragment of a line longer than LINE_CAP)."""
    carry = b""
    for raw in chunks:
        result.bytes_scanned += len(raw)
        for piece in decoder.feed(raw):
            result.bytes_decoded += len(piece)
            start = 0
            if carry:
                first = piece.find(b"\n")
                if first < 0:
                    carry += piece
                    if len(carry) > LINE_CAP:
                        yield carry, 0, len(carry), True
                        carry = b""
                    continue
                joined = carry + piece[: first + 1]
                carry = b""
                yield joined, 0, len(joined), False
                start = first + 1
            cut = piece.rfind(b"\n", start)
            if cut < 0:
                if len(piece) - start > LINE_CAP:
                    yield piece, start, len(piece), True
                else:
                    carry = piece[start:]
                continue
            if cut + 1 < len(piece):
                carry = piece[cut + 1 :]
            yield piece, start, cut + 1, False
    if carry:
        yield carry, 0, len(carry), False


def _blocks(chunks: Iterable[bytes], decoder: _Decoder, result: ScanResult) -> Iterator[tuple[bytes, bool]]:
    """Re-cut decoded data at newlines; yields (block, is_fragment_of_a_longer_line)."""
    for buf, start, end, fragment in _spans(chunks, decoder, result):
        yield (buf if start == 0 and end == len(buf) else buf[start:end]), fragment


@dataclass
class LineCount:
    """What `iter_lines` learnt about the stream: newlines counted so far and, once the stream is exhausted,
    a gzip problem (corrupt or truncated) or None."""

    newlines: int = 0
    problem: str | None = None


def iter_lines(
    chunks: Iterable[bytes],
    start: int = 1,
    count: LineCount | None = None,
    on_block: Callable[[int, bytes], None] | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Numbered lines (1-based, at most MAX_KEEP bytes each, no newline) of a plain or gzip log, from `start` on.

    Blocks wholly before `start` are counted, not split. A line longer than LINE_CAP comes once, as its first
    fragment. `on_block(newlines_before, block)` runs before each block (it may raise to stop the read)."""
    count = count if count is not None else LineCount()
    decoder = _Decoder()
    in_fragment = False  # the previous block ended inside an over-long line
    for block, fragment in _blocks(chunks, decoder, ScanResult()):
        if on_block is not None:
            on_block(count.newlines, block)
        n = block.count(b"\n")
        if count.newlines + n + 1 < start and not fragment:
            count.newlines += n
            in_fragment = False
            continue
        parts = block.split(b"\n")
        if block.endswith(b"\n"):
            parts.pop()
        for i, part in enumerate(parts):
            if i == 0 and in_fragment:
                continue  # rest of an over-long line already given
            number = count.newlines + i + 1
            if number >= start:
                yield number, part[:MAX_KEEP]
        count.newlines += n
        in_fragment = fragment
    count.problem = decoder.finish()


class _Kept:
    """Candidate lines kept in order: the first ones, then a rolling window of the last ones, bounded in count
    and bytes, so a cascade of millions of error lines neither exhausts memory nor hides the final error."""

    def __init__(self, max_hits: int, max_bytes: int = KEEP_BYTES) -> None:
        self.head_cap = max(1, max_hits // 2)
        self.tail_cap = max(1, max_hits - self.head_cap)
        self.byte_cap = max(1, max_bytes // 2)
        self.head: list[Hit] = []
        self.head_bytes = 0
        self.tail: deque[Hit] = deque()
        self.tail_bytes = 0
        self.dropped = 0

    def last(self) -> Hit | None:
        if self.tail:
            return self.tail[-1]
        return self.head[-1] if self.head else None

    def add(self, hit: Hit) -> None:
        size = len(hit.raw) + 100
        if not self.tail and len(self.head) < self.head_cap and self.head_bytes + size <= self.byte_cap:
            self.head.append(hit)
            self.head_bytes += size
            return
        self.tail.append(hit)
        self.tail_bytes += size
        while len(self.tail) > self.tail_cap or (self.tail_bytes > self.byte_cap and len(self.tail) > 1):
            old = self.tail.popleft()
            self.tail_bytes -= len(old.raw) + 100
            self.dropped += 1

    def hits(self) -> list[Hit]:
        return self.head + list(self.tail)


def scan(
    chunks: Iterable[bytes],
    *,
    pattern: bytes = CANDIDATE,
    max_hits: int = 200_000,
    max_bytes: int | None = None,
    deadline: float | None = None,
    threads: int = 2,
    keep_head: bool = True,
    tail_lines: int = 40,
    on_block: Callable[[int], None] | None = None,
    engine: str | None = None,
    collapse_after: int | None = None,
) -> ScanResult:
    """Scan a stream of byte chunks; return candidate lines, line count, head bytes and the last lines.

    With `collapse_after`, repeats of a line template beyond that many are counted, not kept (see `_Templates`)."""
    engine = resolve_engine(engine)
    result = ScanResult()
    decoder = _Decoder()
    kept = _Kept(max_hits)
    templates = _Templates(collapse_after) if collapse_after is not None else None
    seen_templates = templates.seen if templates is not None else {}
    seen_get = seen_templates.get
    latest = templates.latest if templates is not None else {}
    keep_templates = templates.keep if templates is not None else 0
    tail_block = b""
    lines_before = 0
    in_fragment = False  # the previous block ended inside an over-long line
    fragment_line = -1
    Item = tuple[Future[tuple[int, Found, Keys]], bytes, int, int, bool]
    window: deque[Item] = deque()

    def consume(item: Item) -> None:
        nonlocal lines_before, in_fragment, fragment_line, tail_block
        fut, buf, start, end, fragment = item
        newlines, found, keys = fut.result()
        if templates is not None and keys is None:
            keys = [hash(text.translate(None, DIGITS)) for _, text, _ in found]
        for index, (before, text, length) in enumerate(found):
            line_no = lines_before + before + 1
            if in_fragment and before == 0:
                line_no = fragment_line
                prev = kept.last()
                if prev is not None and prev.line_number == line_no:
                    continue
            if keys is not None and templates is not None:  # `_Templates.take`, inlined: this runs once a line
                key = keys[index]
                seen = seen_get(key)
                if seen is None:
                    if len(seen_templates) < MAX_TEMPLATES:
                        seen_templates[key] = [1, 1 if POSITIONAL.search(text) else 0]
                else:
                    seen[0] += 1
                    if seen[0] > keep_templates and not seen[1]:
                        latest[key] = (line_no, text, length)
                        continue
            kept.add(Hit(line_no, text, length))
        if fragment:
            if not in_fragment:
                fragment_line = lines_before + 1
            in_fragment = True
        else:
            in_fragment = False
        lines_before += newlines
        size = end - start
        recent = buf[max(start, end - TAIL_BYTES) : end]
        tail_block = recent if size >= TAIL_BYTES else (tail_block + recent)[-TAIL_BYTES:]
        if on_block:
            on_block(size)

    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    try:
        for buf, start, end, fragment in _spans(chunks, decoder, result):
            if keep_head and len(result.head) < HEAD_BYTES:
                if not result.head and b"\x00" in buf[start : min(end, start + 8192)]:
                    result.binary = True
                    break
                result.head += buf[start : min(end, start + HEAD_BYTES - len(result.head))]
            fut: Future[Any]
            if pool is not None:
                fut = pool.submit(_scan_span, engine, pattern, buf, start, end, templates is not None)
            else:
                fut = Future()
                fut.set_result(_scan_span(engine, pattern, buf, start, end, templates is not None))
            window.append((fut, buf, start, end, fragment))
            if len(window) > threads:
                consume(window.popleft())
            if max_bytes is not None and result.bytes_scanned >= max_bytes:
                result.truncated = True
                result.warnings.append(f"stopped after {result.bytes_scanned} bytes (byte limit); answer is partial")
                break
            if deadline is not None and time.monotonic() > deadline:
                result.truncated = True
                result.warnings.append(f"stopped after {result.bytes_scanned} bytes (time limit); answer is partial")
                break
        while window:
            consume(window.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        close = getattr(chunks, "close", None)
        if close:
            close()
    result.hits = kept.hits()
    if templates is not None and templates.latest:
        result.hits = list(heapq.merge(result.hits, templates.hits(), key=lambda h: h.line_number))
    result.hits_dropped = kept.dropped
    problem = decoder.finish() if not result.truncated else None
    if problem:
        result.truncated = True
        result.warnings.append(problem)
    if result.hits_dropped:
        result.warnings.append(
            f"{result.hits_dropped} candidate lines in the middle of the log were not kept (cascade limit); "
            "the first and the last ones were"
        )
    # lines: a final line without a newline still counts
    if tail_block and not tail_block.endswith(b"\n"):
        lines_before += 1
    result.lines_total = lines_before
    result.tail = _tail_lines(tail_block, lines_before, tail_lines)
    return result


def _tail_lines(block: bytes, lines_total: int, n: int) -> list[tuple[int, bytes]]:
    if not block:
        return []
    parts = block.rstrip(b"\n").split(b"\n")
    if len(parts) > 1 and len(block) >= TAIL_BYTES:
        parts = parts[1:]  # first one may be a partial line
    parts = parts[-n:]
    first = lines_total - len(parts) + 1
    return [(first + i, p[:MAX_KEEP]) for i, p in enumerate(parts)]
