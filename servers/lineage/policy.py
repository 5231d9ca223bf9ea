"""The minimal credential for the configured events source (printed by `oncall-mcp policy lineage`)."""

from __future__ import annotations

from typing import Any

from oncall_mcp.servers.lineage.settings import LineageSettings


def policy(settings: LineageSettings | None) -> dict[str, Any]:
    """Read-only: s3:ListBucket on the prefix and s3:GetObject under it, or read access to the events folder."""
    events = settings.events if settings is not None else "s3://<bucket>/<prefix>"
    expectations = str(settings.expectations) if settings is not None and settings.expectations else None
    local_reads = [expectations] if expectations else []
    if not events.startswith("s3://"):
        return {
            "backend": "local",
            "filesystem": {"read": [events, *local_reads], "write": []},
            "network": [],
            "note": "reads *.jsonl, *.ndjson and *.json under the folder (symlinks leading outside are ignored)",
        }
    bucket, _, prefix = events[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    key_pattern = f"{prefix}/*" if prefix else "*"
    statement: list[dict[str, Any]] = [
        {
            "Sid": "ListEventObjects",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            **({"Condition": {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}}} if prefix else {}),
        },
        {
            "Sid": "ReadEventObjects",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/{key_pattern}",
        },
    ]
    endpoint = settings.s3_endpoint_url if settings is not None and settings.s3_endpoint_url else None
    return {
        "backend": "s3",
        "iam_policy": {"Version": "2012-10-17", "Statement": statement},
        "filesystem": {"read": local_reads, "write": []},
        "network": [endpoint or "https://s3.<region>.amazonaws.com"],
        "not_needed": ["s3:PutObject", "s3:DeleteObject", "s3:GetBucketPolicy", "kms:* (unless SSE-KMS: kms:Decrypt)"],
    }
