"""Event sources: JSON-lines files in a local folder or an S3 prefix, read incrementally.

Each source remembers, per file, how far it has read (local: inode + byte offset; S3: ETag + byte offset) and on
the next poll reads only what was appended. Only complete lines are consumed; a half-written last line is left for
the next poll. A file that shrank, or whose inode changed, is read again from the start (the graph is idempotent
for repeated events). All knowledge of S3 and boto3 lives here.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oncall_mcp.shared.paths import PathRefused, confine, safe_open, walk_confined

log = logging.getLogger("oncall.lineage.sources")

SUFFIXES = (".jsonl", ".ndjson", ".json")
CHUNK = 4 * 1024 * 1024
MAX_LINE = 8 * 1024 * 1024


class SourceError(Exception):
    """The events source cannot be read; the message is safe to show to a client."""


@dataclass
class PollStats:
    files_seen: int = 0
    files_read: int = 0
    bytes_read: int = 0
    oversize_lines: int = 0
    errors: list[str] = field(default_factory=list)


def split_lines(chunks: Iterable[bytes], stats: PollStats) -> Iterator[tuple[bytes, int]]:
    """Yield (line, bytes consumed so far) for every complete line; a trailing partial line is not consumed."""
    carry = b""
    consumed = 0
    skipping = False
    for chunk in chunks:
        stats.bytes_read += len(chunk)
        data = carry + chunk if carry else chunk
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            line = data[start:nl]
            consumed += nl + 1 - start
            start = nl + 1
            if skipping:
                skipping = False
                continue
            if line.strip():
                yield line, consumed
        carry = data[start:]
        if len(carry) > MAX_LINE:
            stats.oversize_lines += 1
            consumed += len(carry)
            carry = b""
            skipping = True


def is_event_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.endswith(SUFFIXES)


class LocalSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._state: dict[str, tuple[int, int]] = {}

    def describe(self) -> str:
        return str(self.path)

    def _files(self, stats: PollStats) -> list[tuple[Path, int, int]]:
        """(path, inode, size) of every event file. A configured file is its own root; files inside a configured
        folder must resolve inside it (symlinks out, FIFOs, sockets and devices are skipped and reported)."""
        if not self.path.exists():
            raise SourceError(f"events path {self.path} does not exist")
        if not self.path.is_dir():
            try:
                _, st = confine(self.path, self.path, "events file")
            except PathRefused as exc:
                raise SourceError(str(exc)) from None
            except OSError as exc:
                raise SourceError(f"cannot read events file {self.path}: {exc.strerror}") from None
            return [(self.path, st.st_ino, st.st_size)]
        walked = walk_confined(
            self.path, accept=is_event_file, prune_dir=lambda d: d.startswith("."), what="events folder"
        )
        stats.errors += walked.skipped
        return [(f.path, f.ino, f.size) for f in walked.files]

    def poll(self, handle: Callable[[bytes], None], stats: PollStats) -> None:
        for path, ino, size in self._files(stats):
            stats.files_seen += 1
            key = str(path)
            inode, offset = self._state.get(key, (ino, 0))
            if inode == ino and size == offset:
                continue
            try:
                fh = safe_open(self.path, path, "events file", max_bytes=None)
            except PathRefused as exc:
                stats.errors.append(str(exc))
                continue
            except OSError as exc:
                stats.errors.append(f"{path.name}: {exc.strerror}")
                continue
            try:
                with fh:
                    st = os.fstat(fh.fileno())
                    inode, offset = self._state.get(key, (st.st_ino, 0))
                    if inode != st.st_ino or st.st_size < offset:
                        offset = 0
                    if st.st_size == offset:
                        self._state[key] = (st.st_ino, offset)
                        continue
                    stats.files_read += 1
                    fh.seek(offset)
                    chunks = iter(functools.partial(fh.read, CHUNK), b"")
                    done = 0
                    for line, done in split_lines(chunks, stats):  # noqa: B007
                        handle(line)
                    self._state[key] = (st.st_ino, offset + done)
            except OSError as exc:
                stats.errors.append(f"{path.name}: {exc.strerror}")


class S3Source:
    def __init__(self, url: str, endpoint_url: str | None = None, region: str | None = None) -> None:
        rest = url[len("s3://") :]
        self.bucket, _, self.prefix = rest.partition("/")
        if not self.bucket:
            raise ValueError("s3 url needs a bucket: s3://bucket/prefix")
        self.endpoint_url = endpoint_url
        self.region = region
        self._client: Any = None
        self._state: dict[str, tuple[str, int]] = {}

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}),
            )
        return self._client

    def _error(self, exc: Exception) -> SourceError:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "error")
            return SourceError(f"cannot read {self.describe()}: S3 answered {code}")
        if isinstance(exc, BotoCoreError):
            return SourceError(f"cannot reach S3 for {self.describe()}: {type(exc).__name__}")
        return SourceError(f"cannot read {self.describe()}: {type(exc).__name__}")

    def poll(self, handle: Callable[[bytes], None], stats: PollStats) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        try:
            objects = []
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for obj in page.get("Contents", []):
                    if is_event_file(obj["Key"]):
                        objects.append((obj["Key"], obj["ETag"], obj["Size"]))
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc) from None
        for key, etag, size in sorted(objects):
            stats.files_seen += 1
            old_etag, offset = self._state.get(key, ("", 0))
            if etag == old_etag:
                continue
            if size < offset:
                offset = 0
            if size == offset:
                self._state[key] = (etag, offset)
                continue
            stats.files_read += 1
            try:
                resp = client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={offset}-", IfMatch=etag)
                body = resp["Body"]
                done = 0
                for line, done in split_lines(body.iter_chunks(CHUNK), stats):  # noqa: B007
                    handle(line)
                # a partial last line keeps the old ETag so the next poll reads it again from `offset + done`
                complete = offset + done == size
                self._state[key] = (etag if complete else "", offset + done)
            except (BotoCoreError, ClientError) as exc:
                stats.errors.append(str(self._error(exc)))


def open_source(events: str, endpoint_url: str | None = None, region: str | None = None) -> LocalSource | S3Source:
    if events.startswith("s3://"):
        return S3Source(events, endpoint_url, region)
    return LocalSource(Path(events).expanduser())
