"""Minimal credential for the configured log source (printed by `oncall-mcp policy airflow_logs`)."""

from __future__ import annotations

from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings


def policy(settings: AirflowLogsSettings | None) -> dict:
    source = settings.source if settings is not None else "s3://<bucket>/<prefix>"
    if not source.startswith("s3://"):
        return {
            "kind": "filesystem",
            "read": [source],
            "write": [],
            "note": "run as a user with read-only access to the Airflow base_log_folder; nothing is written",
        }
    bucket, _, prefix = source[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    keys = f"arn:aws:s3:::{bucket}/{prefix}/*" if prefix else f"arn:aws:s3:::{bucket}/*"
    statement: list[dict] = [
        {"Sid": "ReadTaskLogs", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [keys]},
        {
            "Sid": "ListTaskLogs",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}"],
            **({"Condition": {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}}} if prefix else {}),
        },
    ]
    return {"kind": "aws_iam_policy", "policy": {"Version": "2012-10-17", "Statement": statement}}
