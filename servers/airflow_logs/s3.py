"""S3 backend (Airflow's `remote_base_log_folder`): ListObjectsV2 under the prefix and parallel ranged GETs.

Needs only s3:ListBucket on the prefix and s3:GetObject on its keys. Works with S3-compatible servers through
OCM_AIRFLOW_LOGS_S3_ENDPOINT_URL.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from oncall_mcp.servers.airflow_logs.store import MissingKey, ObjInfo, StoreError
from oncall_mcp.shared.paths import safe_key

log = logging.getLogger("oncall.airflow_logs.s3")


def _error_text(exc: Exception) -> str:
    """A short, secret-free description of a botocore error."""
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        err = resp.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".strip()
    return type(exc).__name__


class S3Store:
    def __init__(
        self,
        source: str,
        *,
        endpoint_url: str | None,
        region: str | None,
        chunk_bytes: int,
        parallel: int,
    ) -> None:
        import boto3
        from botocore.config import Config

        bucket, _, prefix = source[len("s3://") :].partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.label = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.chunk_bytes = chunk_bytes
        self.parallel = parallel
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=max(10, parallel * 2),
        )
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="s3-range")

    def _key(self, rel: str) -> str:
        return safe_key(self.prefix, rel, "log_ref")

    def _rel(self, key: str) -> str:
        return key[len(self.prefix) + 1 :] if self.prefix else key

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise MissingKey(f"no log object {kwargs.get('Key', '')!r}") from None
            raise StoreError(f"S3 {self.label} refused the request ({_error_text(exc)})") from None
        except BotoCoreError as exc:
            raise StoreError(f"S3 {self.label} unreachable or slow ({type(exc).__name__})") from None

    def walk(self, prefix: str = "") -> Iterator[ObjInfo]:
        full = self._key(prefix) + "/" if prefix.strip("/") else (self.prefix + "/" if self.prefix else "")
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": full}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(self.client.list_objects_v2, **kwargs)
            for obj in page.get("Contents", []):
                yield ObjInfo(self._rel(obj["Key"]), int(obj["Size"]), obj["LastModified"].timestamp())
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def list_after(self, key_prefix: str, start_after: str = "") -> Iterator[ObjInfo]:
        """Objects whose relative key starts with `key_prefix` (not only a folder) and sorts after `start_after`:
        the incremental listing of the failure index (ListObjectsV2 StartAfter)."""
        base = self.prefix + "/" if self.prefix else ""
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": base + key_prefix}
            if start_after:
                kwargs["StartAfter"] = base + start_after
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(self.client.list_objects_v2, **kwargs)
            for obj in page.get("Contents", []):
                yield ObjInfo(self._rel(obj["Key"]), int(obj["Size"]), obj["LastModified"].timestamp())
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def listdir(self, prefix: str) -> tuple[list[str], list[ObjInfo]]:
        full = self._key(prefix) + "/" if prefix.strip("/") else (self.prefix + "/" if self.prefix else "")
        dirs: list[str] = []
        files: list[ObjInfo] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": full, "Delimiter": "/"}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(self.client.list_objects_v2, **kwargs)
            dirs += [p["Prefix"][len(full) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
            files += [
                ObjInfo(self._rel(o["Key"]), int(o["Size"]), o["LastModified"].timestamp())
                for o in page.get("Contents", [])
            ]
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")
        return sorted(dirs), files

    def stat(self, key: str) -> ObjInfo:
        head = self._call(self.client.head_object, Bucket=self.bucket, Key=self._key(key))
        return ObjInfo(key, int(head["ContentLength"]), head["LastModified"].timestamp())

    def _get(self, key: str, start: int, end: int) -> bytes:
        resp = self._call(self.client.get_object, Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end - 1}")
        try:
            return resp["Body"].read()
        except Exception as exc:  # a dropped connection mid-body
            raise StoreError(f"S3 {self.label}: read of {key!r} interrupted ({type(exc).__name__})") from None

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield the object's bytes in order, fetching `parallel` ranges ahead (bounded memory)."""
        full = self._key(key)
        if end is None:
            end = self.stat(key).size
        pending: deque[Future[bytes]] = deque()
        pos = start
        try:
            while pos < end or pending:
                while pos < end and len(pending) < self.parallel:
                    stop = min(end, pos + self.chunk_bytes)
                    pending.append(self._pool.submit(self._get, full, pos, stop))
                    pos = stop
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()
