"""The one fast pass over a log: stream chunks, find candidate lines with a compiled byte regex, count lines.

google-re2 (BSD) is used because it releases the GIL and runs in linear time on untrusted input, so two
threads scan ~2x faster than one and a hostile log cannot make the pass slow. Only candidate lines (a tiny
fraction) are kept; everything else is counted and dropped, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import re2

MAX_KEEP = 64 * 1024  # bytes kept of one candidate line (a 50 MB line is clipped)
LINE_CAP = 4 * 1024 * 1024  # a line longer than this is scanned in fragments
TAIL_BYTES = 32 * 1024
HEAD_BYTES = 256 * 1024

CANDIDATE = (
    rb"(?i:\b(?:errors?|exceptions?|fatal|critical|traceback|caused by|fail|failed|failure|killed|sigterm|sigkill"
    rb"|oomkilled|oom|out of memory|exit code|return code|exit status|exited with|exit_code|timed out|timeout"
    rb"|denied|forbidden|unauthori[sz]ed|refused|unreachable|cannot|can't|could not|couldn't|unable to|not found"
    rb"|does not exist|no such|invalid|evicted|backoff|panic|aborted|no module named|warn|warning|assertion)\b)"
    rb"|[a-z](?:Error|Exception|Exit|Timeout|Denied|Killed)\b|error_detail|\"exception\""
    rb"|Running statement|Executing|Running command|Running query|Marking task as"
    rb"|(?m:^\s+File \")"
)
_local = threading.local()


def compile_bytes(pattern: bytes) -> Any:
    """One compiled regex per thread: each RE2 keeps its own DFA cache, so two threads do not contend on it.
    A large DFA budget keeps RE2 on its DFA for a big case-insensitive alternation (it is filled lazily)."""
    cache: dict[bytes, Any] = getattr(_local, "cache", None) or {}
    _local.cache = cache
    rx = cache.get(pattern)
    if rx is None:
        options = re2.Options()
        options.max_mem = 256 << 20
        rx = cache[pattern] = re2.compile(pattern, options)
    return rx


def _scan_block_local(pattern: bytes, block: bytes) -> tuple[int, list[tuple[int, bytes, int]]]:
    return _scan_block(compile_bytes(pattern), block)


@dataclass
class Hit:
    line_number: int  # 1-based in the (decompressed) file
    raw: bytes
    line_bytes: int  # full length of the line, possibly more than len(raw)


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


def _scan_block(rx: Any, block: bytes) -> tuple[int, list[tuple[int, bytes, int]]]:
    """Newline count of `block` and its matching lines as (newlines before the line, clipped bytes, length)."""
    out: list[tuple[int, bytes, int]] = []
    pos = 0
    last = 0
    before = 0
    n = len(block)
    search = rx.search
    while pos < n:
        m = search(block, pos)
        if m is None:
            break
        s = block.rfind(b"\n", 0, m.start()) + 1
        e = block.find(b"\n", m.end())
        if e < 0:
            e = n
        before += block.count(b"\n", last, s)
        last = s
        out.append((before, block[s : min(e, s + MAX_KEEP)], e - s))
        pos = e + 1
    return block.count(b"\n"), out


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


def _blocks(chunks: Iterable[bytes], decoder: _Decoder, result: ScanResult) -> Iterator[tuple[bytes, bool]]:
    """Re-cut decoded data at newlines; yields (block, is_fragment_of_a_longer_line)."""
    carry = b""
    for raw in chunks:
        result.bytes_scanned += len(raw)
        for piece in decoder.feed(raw):
            result.bytes_decoded += len(piece)
            data = carry + piece if carry else piece
            carry = b""
            cut = data.rfind(b"\n")
            if cut < 0:
                if len(data) > LINE_CAP:
                    yield data, True
                else:
                    carry = data
                continue
            if cut + 1 < len(data):
                carry = data[cut + 1 :]
            yield data[: cut + 1] if carry else data, False
    if carry:
        yield carry, False


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
) -> ScanResult:
    """Scan a stream of byte chunks; return candidate lines, line count, head bytes and the last lines."""
    rx = compile_bytes(pattern)
    result = ScanResult()
    decoder = _Decoder()
    tail_block = b""
    lines_before = 0
    in_fragment = False  # the previous block ended inside an over-long line
    fragment_line = -1
    window: deque[tuple[Future[tuple[int, list[tuple[int, bytes, int]]]], bytes, bool]] = deque()

    def consume(item: tuple[Future[tuple[int, list[tuple[int, bytes, int]]]], bytes, bool]) -> None:
        nonlocal lines_before, in_fragment, fragment_line, tail_block
        fut, block, fragment = item
        newlines, found = fut.result()
        for before, text, length in found:
            line_no = lines_before + before + 1
            if in_fragment and before == 0:
                line_no = fragment_line
                if result.hits and result.hits[-1].line_number == line_no:
                    continue
            if len(result.hits) >= max_hits:
                result.hits_dropped += 1
                continue
            result.hits.append(Hit(line_no, text, length))
        if fragment:
            if not in_fragment:
                fragment_line = lines_before + 1
            in_fragment = True
        else:
            in_fragment = False
        lines_before += newlines
        tail_block = block[-TAIL_BYTES:] if len(block) >= TAIL_BYTES else (tail_block + block)[-TAIL_BYTES:]
        if on_block:
            on_block(len(block))

    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    try:
        for block, fragment in _blocks(chunks, decoder, result):
            if keep_head and len(result.head) < HEAD_BYTES:
                if not result.head and b"\x00" in block[:8192]:
                    result.binary = True
                    break
                result.head += block[: HEAD_BYTES - len(result.head)]
            fut: Future[Any]
            if pool is not None:
                fut = pool.submit(_scan_block_local, pattern, block)
            else:
                fut = Future()
                fut.set_result(_scan_block(rx, block))
            window.append((fut, block, fragment))
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
    problem = decoder.finish() if not result.truncated else None
    if problem:
        result.truncated = True
        result.warnings.append(problem)
    if result.hits_dropped:
        result.warnings.append(f"{result.hits_dropped} further candidate lines were not kept (cascade limit)")
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
