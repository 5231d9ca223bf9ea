from __future__ import annotations

from pathlib import Path

import pytest

from servers.ownership.server import build_server
from servers.ownership.settings import OwnershipSettings
from tests.harness import check_conformance, check_stdout_is_protocol_only

pytestmark = pytest.mark.anyio
HERE = Path(__file__).parent
REGISTRY = """
teams:
  - name: data-platform
    aliases: [platform]
    slack_channel: "#data-platform"
"""


async def test_conformance(tmp_path: Path) -> None:
    reg = tmp_path / "registry.yaml"
    reg.write_text(REGISTRY)
    server = build_server(OwnershipSettings(registry=reg))
    await check_conformance(server, HERE / "snapshots" / "tools_list.json", ("find_team", {"query": "platform"}))


def test_stdout_is_protocol_only(tmp_path: Path) -> None:
    reg = tmp_path / "registry.yaml"
    reg.write_text(REGISTRY)
    msgs = check_stdout_is_protocol_only(
        "servers.ownership", {"OCM_OWNERSHIP_REGISTRY": str(reg)}, {"name": "find_team", "arguments": {"query": "x"}}
    )
    assert any(m.get("id") == 4 and m["result"]["isError"] for m in msgs)
