from __future__ import annotations

from pathlib import Path

from oncall_mcp.servers.ownership.policy import policy
from oncall_mcp.servers.ownership.settings import OwnershipSettings


def test_policy_without_and_with_settings(tmp_path: Path) -> None:
    generic = policy(None)
    assert generic["write"] == [] and generic["network"] == [] and "<registry.yaml>" in generic["read"]
    s = OwnershipSettings(registry=tmp_path / "r.yaml", repo=tmp_path / "repo", dags_folder=tmp_path / "dags")
    got = policy(s)
    assert got["read"][0] == str(tmp_path / "r.yaml")
    assert any("CODEOWNERS" in r for r in got["read"]) and any("never executed" in r for r in got["read"])
    assert got["write"] == []
