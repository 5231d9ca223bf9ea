"""`oncall-mcp index build`: build (or bring up to date) a failure index as a batch job, into a local file or an
S3 object that servers then open read-only (OCM_AIRFLOW_LOGS_INDEX_PATH).

The job needs the log store's read rights, plus PutObject on the output key when the output is on S3; servers
stay read-only. With an S3 output the previous index is fetched first, so each run is incremental."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.index.live import LiveIndex, index_file
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

DEFAULT_NAME = "airflow_logs_index.sqlite"


def _s3_parts(url: str) -> tuple[str, str]:
    bucket, _, key = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError("S3 output needs a bucket: s3://bucket/path/index.sqlite")
    if not key or key.endswith("/"):
        key += DEFAULT_NAME
    return bucket, key


def build(settings: AirflowLogsSettings, out: str, *, full: bool = False) -> dict[str, Any]:
    """Build the index of `settings.source` into `out` (a folder, a .sqlite file or s3://bucket/key)."""
    t0 = time.monotonic()
    tmp: Path | None = None
    client: Any = None
    if out.startswith("s3://"):
        import boto3

        bucket, key = _s3_parts(out)
        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region)
        tmp = Path(tempfile.mkdtemp(prefix="ocm-index-"))
        target = tmp / DEFAULT_NAME
        try:
            client.download_file(bucket, key, str(target))
        except Exception:  # no previous index (or unreadable): build from scratch
            target.unlink(missing_ok=True)
    else:
        path = Path(out).expanduser()
        target = path if path.suffix in (".sqlite", ".db") else index_file(settings, path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        live = LiveIndex(LogAccess(settings), settings, path=target)
        if full:
            live.store.reset()
        stats = live.refresh_now()
        files, failed = int(live.store.meta("files") or 0), int(live.store.meta("failed") or 0)
        live.store.close()
        con = sqlite3.connect(target)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file that read-only servers can open
        con.close()
        location = str(target)
        if client is not None:
            client.upload_file(str(target), bucket, key)
            location = f"s3://{bucket}/{key}"
        return {
            "index": location,
            "source": settings.source,
            "files_indexed": files,
            "failed_attempts": failed,
            "listed": stats.listed,
            "changed": stats.changed,
            "analysed": stats.analysed,
            "removed": stats.removed,
            "complete": stats.complete,
            "errors": stats.errors,
            "seconds": round(time.monotonic() - t0, 2),
            "size_bytes": target.stat().st_size if target.exists() else 0,
        }
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
