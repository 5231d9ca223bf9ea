"""`oncall-mcp doctor`'s seam: each server's `doctor.py` exposes `checks(settings) -> list[Check]`.

A check is read-only and quick, names what it looked at, and says how to fix what it found. Helpers here cover
what several servers share (a path, an S3 prefix, an HTTP endpoint) so each server's module stays small.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from oncall_mcp.shared.redaction import redact
from oncall_mcp.shared.settings import path_problem

Status = Literal["ok", "warn", "fail", "skip"]


class Check(BaseModel):
    """One line of `oncall-mcp doctor`: what was checked, what was found, how to fix it when not ok."""

    name: str = Field(description="what was checked, e.g. 'S3 list on the prefix'")
    status: Status
    detail: str = Field(description="what was found")
    fix: str | None = Field(None, description="how to fix it (warn and fail)")

    def line(self, server: str) -> str:
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}[self.status]
        text = f"{mark} {server:13} {self.name}: {redact(self.detail)}"
        return text + (f" -> {self.fix}" if self.fix and self.status in ("warn", "fail") else "")


def ok(name: str, detail: str) -> Check:
    return Check(name=name, status="ok", detail=detail)


def warn(name: str, detail: str, fix: str) -> Check:
    return Check(name=name, status="warn", detail=detail, fix=fix)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name=name, status="fail", detail=detail, fix=fix)


def skip(name: str, detail: str) -> Check:
    return Check(name=name, status="skip", detail=detail)


def attempt(name: str, probe: Callable[[], Check], fix: str) -> Check:
    """Run `probe`; an exception is a failed check naming the error (redacted), never a crash of the doctor."""
    try:
        return probe()
    except Exception as exc:
        return fail(name, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}", fix)


def path_check(name: str, variable: str, path: Path, *, folder: bool | None = None) -> Check:
    problem = path_problem(path, folder=folder)
    if problem:
        return fail(name, f"{variable}={path}: {problem}", f"point {variable} at an existing, readable path")
    return ok(name, f"{path} readable")


def split_s3(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix


def s3_checks(url: str, endpoint_url: str | None, region: str | None, variable: str) -> list[Check]:
    """List one key under the prefix; then ask whether the credential may write there without storing anything: a
    multipart upload is started (s3:PutObject) and aborted at once; AccessDenied means the credential cannot write."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    bucket, prefix = split_s3(url)
    client: Any = boto3.client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=Config(retries={"max_attempts": 1})
    )
    fix_read = f"grant s3:ListBucket on {bucket} (prefix {prefix or '*'}) and s3:GetObject on it; check {variable}"

    def listing() -> Check:
        found = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        return ok("S3 list on the prefix", f"{url}: {'objects found' if found.get('KeyCount') else 'empty'}")

    checks = [attempt("S3 list on the prefix", listing, fix_read)]
    if checks[0].status != "ok":
        return checks
    name = "S3 credential is read-only"
    key = f"{prefix.rstrip('/')}/.oncall-mcp-doctor-probe".lstrip("/")
    try:
        upload = client.create_multipart_upload(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("AccessDenied", "AllAccessDisabled", "403"):
            return [*checks, ok(name, "writes are refused")]
        return [*checks, skip(name, f"could not tell ({code or 'no error code'})")]
    client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
    fix = "use a credential with only s3:GetObject and s3:ListBucket (`oncall-mcp policy <server>`)"
    return [*checks, warn(name, f"the credential may write to {url} (a multipart upload started, aborted)", fix)]
