from __future__ import annotations

from pathlib import Path

from oncall_mcp.servers.lineage.policy import policy
from oncall_mcp.servers.lineage.settings import LineageSettings


def test_generic_policy_without_settings() -> None:
    p = policy(None)
    actions = {s["Action"] for s in p["iam_policy"]["Statement"]}
    assert actions == {"s3:ListBucket", "s3:GetObject"}


def test_s3_policy_is_scoped_to_the_prefix() -> None:
    p = policy(LineageSettings(events="s3://lake-events/openlineage/", s3_endpoint_url="http://minio:9000"))
    list_stmt, get_stmt = p["iam_policy"]["Statement"]
    assert list_stmt["Resource"] == "arn:aws:s3:::lake-events"
    assert list_stmt["Condition"]["StringLike"]["s3:prefix"] == ["openlineage/*", "openlineage"]
    assert get_stmt["Resource"] == "arn:aws:s3:::lake-events/openlineage/*"
    assert p["network"] == ["http://minio:9000"]


def test_local_policy_reads_only(tmp_path: Path) -> None:
    exp = tmp_path / "e.yaml"
    p = policy(LineageSettings(events=str(tmp_path), expectations=exp))
    assert p["filesystem"] == {"read": [str(tmp_path), str(exp)], "write": []} and p["network"] == []
