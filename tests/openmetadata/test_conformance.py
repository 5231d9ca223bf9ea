from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from tests.harness import ROOT, check_conformance, check_stdout_is_protocol_only, server_env

HERE = Path(__file__).parent


async def test_conformance(catalog_settings: OpenMetadataSettings) -> None:
    await check_conformance(
        build_server(catalog_settings),
        HERE / "snapshots" / "tools_list.json",
        ("get_table", {"fqn": "reports.restaurants"}),
    )


@pytest.mark.process
def test_stdout_is_protocol_only(catalog_dir: Path) -> None:
    env = {"OCM_OPENMETADATA_CATALOG": str(catalog_dir), "OCM_OPENMETADATA_VALIDATE_CATALOG": "false"}
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.openmetadata",
        env,
        {"name": "suggest_columns", "arguments": {"fqn": "reports.restaurants", "column": "r.open_date"}},
    )
    answer = next(m for m in msgs if m.get("id") == 3)
    assert answer["result"]["structuredContent"]["suggestions"][0]["name"] == "start_date"
    assert any(m.get("id") == 4 and m["result"]["isError"] for m in msgs)


@pytest.mark.process
def test_building_the_server_does_not_import_the_sdk(catalog_dir: Path) -> None:
    """tools/list must stay fast: nothing imports `metadata.*` until a call needs it."""
    code = (
        "import sys\n"
        "from oncall_mcp.servers.openmetadata.server import build_server\n"
        "from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings\n"
        f"build_server(OpenMetadataSettings(catalog={str(catalog_dir)!r}, preload_sdk=False))\n"
        "build_server(OpenMetadataSettings(host='http://127.0.0.1:9/api', token='t', preload_sdk=False))\n"
        "print(sorted(m for m in sys.modules if m == 'metadata' or m.startswith('metadata.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=server_env(), cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.process
def test_missing_backend_config_fails_with_one_clear_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.servers.openmetadata"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 2 and out.stdout == ""
    assert "OCM_OPENMETADATA_CATALOG" in out.stderr and "OCM_OPENMETADATA_HOST" in out.stderr


@pytest.mark.process
async def test_streamable_http_on_loopback(catalog_dir: Path) -> None:
    from mcp import Client

    from tests.harness import http_server

    env = {"OCM_OPENMETADATA_CATALOG": str(catalog_dir), "OCM_OPENMETADATA_VALIDATE_CATALOG": "false"}
    with http_server("oncall_mcp.servers.openmetadata", env) as url:
        async with Client(url) as client:
            r = await client.call_tool("schema_history", {"fqn": "reports.restaurants", "since": "0.3"})
            assert not r.is_error
            assert r.structured_content["changes"][-1]["summary"].startswith("column renamed from open_date")
            prompt = await client.get_prompt(
                "investigate_missing_column", {"table": "reports.restaurants", "column": "r.open_date"}
            )
            text = prompt.messages[0].content.text
            assert "suggest_columns" in text and "lowest `priority` first" in text and "ownership.route_alert" in text


WITHOUT_SDK = """
import importlib.metadata as im, json, sys
real = im.distribution
def distribution(name):
    if name == "openmetadata-ingestion":
        raise im.PackageNotFoundError(name)
    return real(name)
im.distribution = distribution
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "metadata" or name.startswith("metadata."):
            raise ImportError("openmetadata-ingestion is not installed")
sys.meta_path.insert(0, Block())
import anyio
from mcp import Client
from pydantic import ValidationError
from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
try:
    OpenMetadataSettings(host="http://om:8585/api", token="t")
    live_error = ""
except ValidationError as exc:
    live_error = str(exc)
async def main():
    async with Client(build_server(OpenMetadataSettings(catalog=sys.argv[1])).mcp) as c:
        r = await c.call_tool("suggest_columns", {"fqn": "reports.restaurants", "column": "r.open_date"})
        print(json.dumps({"top": r.structured_content["suggestions"][0]["name"], "live_error": live_error}))
anyio.run(main)
"""


@pytest.mark.process
def test_catalog_works_without_the_sdk_installed(catalog_dir: Path) -> None:
    """Validation on and preload on by default, yet with the SDK absent the catalog backend parses leniently."""
    import json

    out = subprocess.run(
        [sys.executable, "-c", WITHOUT_SDK, str(catalog_dir)],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["top"] == "start_date"
    assert "pip install 'oncall-mcp[openmetadata]'" in result["live_error"]
