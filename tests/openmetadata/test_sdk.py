"""The live backend: the REAL openmetadata-ingestion SDK against the local REST stand-in (standin.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from pydantic import SecretStr

from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from tests.harness import free_port, tool_text
from tests.nextsteps import assert_steps_runnable
from tests.openmetadata.entities import DAILY_REVENUE, ORDERS, RESTAURANTS, STAGING_RESTAURANTS, TOKEN, World

pytestmark = pytest.mark.sdk


def live(url: str, token: str = TOKEN, **kw: Any) -> OpenMetadataSettings:
    return OpenMetadataSettings(host=url, token=SecretStr(token), preload_sdk=False, **kw)


async def test_all_tools_through_the_sdk(standin: Any) -> None:
    async with Client(build_server(live(standin.url)).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": "reports.restaurants"})
        assert not r.is_error, tool_text(r)
        t = r.structured_content
        assert t["fqn"] == RESTAURANTS and t["owners"][0]["name"] == "restaurants-analytics"
        assert "start_date" in [col["name"] for col in t["columns"]] and t["source"].startswith("OpenMetadata at")

        s = (await c.call_tool("suggest_columns", {"fqn": RESTAURANTS, "column": "r.open_date"})).structured_content
        assert s["suggestions"][0]["name"] == "start_date"
        assert s["suggestions"][0]["reason"] == (
            "column renamed from open_date to start_date in version 0.4 on 2024-05-02 by alice"
        )

        h = (await c.call_tool("schema_history", {"fqn": RESTAURANTS, "since": "0.3"})).structured_content
        assert [(ch["version"], ch["kind"]) for ch in h["changes"]] == [("0.5", "added"), ("0.4", "renamed")]

        hits = (await c.call_tool("search_tables", {"query": "revenue"})).structured_content["hits"]
        assert hits[0]["fqn"] == DAILY_REVENUE and "name" in hits[0]["matched_on"]

        lin = (await c.call_tool("column_lineage", {"fqn": RESTAURANTS, "column": "start_date"})).structured_content
        assert lin["upstream"][0]["table"] == STAGING_RESTAURANTS and lin["upstream"][0]["column"] == "opened_on"

        amb = await c.call_tool("get_table", {"fqn": "restaurants"})
        assert amb.is_error and STAGING_RESTAURANTS in tool_text(amb)
        missing = await c.call_tool("get_table", {"fqn": "trino.lake.reports.nope"})
        assert missing.is_error and "not found" in tool_text(missing)

    paths = [p.split("?")[0] for p in standin.requests]
    assert paths[0] == "/api/v1/system/version"  # the SDK's version check comes first
    assert "/api/v1/tables/name/trino.lake.reports.restaurants" in paths
    assert any(p.endswith("/versions") for p in paths)
    assert "/api/v1/lineage/table/name/trino.lake.reports.restaurants" in paths
    assert any("fields=columns,owners,tags" in p for p in standin.requests)


async def test_rejected_token_is_clear_and_does_not_leak(standin: Any) -> None:
    wrong = TOKEN[:-4] + "AAAA"
    async with Client(build_server(live(standin.url, token=wrong)).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": RESTAURANTS})
    text = tool_text(r)
    assert r.is_error and "HTTP 401" in text and "OCM_OPENMETADATA_TOKEN" in text
    assert wrong not in text and TOKEN not in text


async def test_token_without_view_permission(standin: Any) -> None:
    standin.forbidden = True
    async with Client(build_server(live(standin.url)).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": RESTAURANTS})
    assert r.is_error and "HTTP 403" in tool_text(r) and "ViewBasic" in tool_text(r)


async def test_major_minor_mismatch(standin: Any) -> None:
    standin.version = "1.5.11"
    async with Client(build_server(live(standin.url)).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": RESTAURANTS})
        assert r.is_error
        text = tool_text(r)
        assert "1.5.11" in text and "major.minor" in text and "OCM_OPENMETADATA_VERIFY_VERSION" in text
        standin.version = "2.0.9"  # same major.minor: accepted on the next call (the failed client is not kept)
        assert not (await c.call_tool("get_table", {"fqn": RESTAURANTS})).is_error
    standin.version = "1.5.11"
    async with Client(build_server(live(standin.url, verify_version=False)).mcp) as c:
        assert not (await c.call_tool("get_table", {"fqn": RESTAURANTS})).is_error


async def test_server_down_is_quick_and_clear() -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    start = time.monotonic()
    async with Client(build_server(live(url)).mcp) as c:
        r = await c.call_tool("search_tables", {"query": "restaurants"})
    assert r.is_error and "cannot reach" in tool_text(r) and "OCM_OPENMETADATA_HOST" in tool_text(r)
    assert time.monotonic() - start < 15


async def test_slow_server_times_out(standin: Any) -> None:
    async with Client(build_server(live(standin.url, timeout_seconds=1)).mcp) as c:
        standin.delay = 2.5
        start = time.monotonic()
        r = await c.call_tool("get_table", {"fqn": RESTAURANTS})
        elapsed = time.monotonic() - start
        assert r.is_error and "did not answer within 1s" in tool_text(r)
        assert elapsed < 2.4, f"the read was retried ({elapsed:.1f}s)"
        standin.delay = 0
        assert not (await c.call_tool("get_table", {"fqn": RESTAURANTS})).is_error


async def test_host_pointing_at_the_ui(standin: Any) -> None:
    standin.html = True
    async with Client(build_server(live(standin.url)).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": RESTAURANTS})
    assert r.is_error and "internal error" not in tool_text(r)


def test_standin_entities_validate_against_the_sdk_models(world: World, standin: Any) -> None:
    """The fixtures are real OpenMetadata JSON: the SDK's generated models (extra='forbid') accept them."""
    import json
    import urllib.request

    from metadata.generated.schema.entity.data.table import Table
    from metadata.generated.schema.type.entityHistory import EntityVersionHistory
    from metadata.generated.schema.type.entityLineage import EntityLineage
    from metadata.ingestion.ometa.mixins.es_mixin import ESResponse

    for fqn, table in world.tables.items():
        assert Table.model_validate(table).fullyQualifiedName.root == fqn
        for version in world.versions[fqn]:
            Table.model_validate(version)
    for lineage in world.lineage.values():
        EntityLineage.model_validate(lineage)

    def get(path: str) -> Any:
        req = urllib.request.Request(standin.url + path, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    rid = world.tables[RESTAURANTS]["id"]
    history = EntityVersionHistory.model_validate(get(f"/v1/tables/{rid}/versions"))
    assert [json.loads(v)["version"] for v in history.versions] == [0.5, 0.4, 0.3, 0.2, 0.1]
    Table.model_validate(get(f"/v1/tables/{rid}/versions/0.4"))
    es = ESResponse.model_validate(get("/v1/search/query?q=restaurant&index=table_search_index&from=0&size=3"))
    assert es.hits.total.value == 4 and len(es.hits.hits) == 3


async def test_catalog_validated_with_sdk_models(tmp_path: Path, world: World) -> None:
    world.write_catalog(tmp_path)
    path = tmp_path / "tables" / f"{DAILY_REVENUE}.json"
    path.write_text(path.read_text().replace('"DECIMAL"', '"MONEYBAGS"'))
    strict = OpenMetadataSettings(catalog=tmp_path, preload_sdk=False)
    async with Client(build_server(strict).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": DAILY_REVENUE})
        assert r.is_error and "tables/trino.lake.reports.daily_revenue.json" in tool_text(r)
        assert "columns.2.dataType" in tool_text(r)
        assert not (await c.call_tool("get_table", {"fqn": RESTAURANTS})).is_error
    lenient = OpenMetadataSettings(catalog=tmp_path, preload_sdk=False, validate_catalog=False)
    async with Client(build_server(lenient).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": DAILY_REVENUE})
        assert not r.is_error and r.structured_content["columns"][2]["name"] == "revenue_eur"


@pytest.mark.process
def test_first_call_while_the_sdk_preloads(standin: Any) -> None:
    """The background preload and a tool call import the SDK at the same time; its import cycles must not break
    the call (regression: 'partially initialized module metadata.ingestion.ometa.ometa_api')."""
    import json
    import subprocess
    import sys

    from tests.harness import ROOT, initialize_messages, server_env

    env = server_env({"OCM_OPENMETADATA_HOST": standin.url, "OCM_OPENMETADATA_TOKEN": TOKEN})
    proc = subprocess.Popen(
        [sys.executable, "-m", "oncall_mcp.servers.openmetadata"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout
    try:
        for msg in initialize_messages():
            proc.stdin.write(json.dumps(msg) + "\n")
        proc.stdin.flush()
        answer = None
        for line in proc.stdout:
            msg = json.loads(line)
            if msg.get("id") == 2:
                time.sleep(1.3)  # the preload thread starts importing after 1 s
                call = {"name": "get_table", "arguments": {"fqn": "reports.restaurants"}}
                proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call}))
                proc.stdin.write("\n")
                proc.stdin.flush()
            elif msg.get("id") == 3:
                answer = msg["result"]
                break
    finally:
        proc.kill()
        proc.wait()
    assert answer is not None and not answer.get("isError"), answer
    assert answer["structuredContent"]["fqn"] == RESTAURANTS


async def test_export_from_a_live_server_round_trips(standin: Any, world: World, tmp_path: Path) -> None:
    import json

    from oncall_mcp.servers.openmetadata.catalog_export import export_from_openmetadata
    from oncall_mcp.servers.openmetadata.ometa import OpenMetadataBackend

    backend = OpenMetadataBackend(standin.url, SecretStr(TOKEN))
    export_from_openmetadata(backend, tmp_path, [RESTAURANTS, STAGING_RESTAURANTS])
    exported = json.loads((tmp_path / "tables" / f"{RESTAURANTS}.json").read_text())
    assert exported == world.tables[RESTAURANTS]
    assert sorted(p.name for p in (tmp_path / "tables" / f"{RESTAURANTS}.versions").iterdir()) == [
        "0.1.json",
        "0.2.json",
        "0.3.json",
        "0.4.json",
        "0.5.json",
    ]
    assert json.loads((tmp_path / "lineage" / f"{RESTAURANTS}.json").read_text()) == world.lineage[RESTAURANTS]
    settings = OpenMetadataSettings(catalog=tmp_path, preload_sdk=False)
    async with Client(build_server(settings).mcp) as c:
        s = await c.call_tool("suggest_columns", {"fqn": "reports.restaurants", "column": "open_date"})
        assert s.structured_content["suggestions"][0]["name"] == "start_date"
    assert all(p.startswith("/api/v1/") for p in standin.requests)


async def test_search_words_never_become_query_syntax(standin: Any) -> None:
    async with Client(build_server(live(standin.url)).mcp) as c:
        r = await c.call_tool("search_tables", {"query": 'revenue OR "x" AND (*:*)'})
        assert not r.is_error and r.structured_content["hits"][0]["fqn"] == DAILY_REVENUE
        bad = await c.call_tool("search_tables", {"query": "(*:*)"})
        assert bad.is_error and "no searchable words" in tool_text(bad)
    sent = [p for p in standin.requests if p.startswith("/api/v1/search/query")]
    assert sent and all("OR" not in p and "%2A" not in p and "%28" not in p for p in sent)


async def test_schema_history_of_one_column_through_the_sdk(standin: Any) -> None:
    """The same answer over the live API as over the exported catalog, with newer unrelated versions present."""
    async with Client(build_server(live(standin.url)).mcp) as c:
        r = await c.call_tool("schema_history", {"fqn": ORDERS, "column": "order_ts"})
        assert not r.is_error, tool_text(r)
        h = r.structured_content
        gone = (await c.call_tool("schema_history", {"fqn": ORDERS, "column": "coupon_code"})).structured_content
    assert h["versions"] == ["0.1", "0.2", "0.3", "0.4", "0.5"]
    assert (h["column"]["status"], h["column"]["renamed_to"], h["column"]["version"]) == ("renamed", "placed_at", "0.2")
    assert (h["column"]["changed_by"], h["column"]["changed_at"]) == ("alice", "2024-04-10T14:05:00Z")
    assert [(ch["version"], ch["kind"]) for ch in h["changes"]] == [("0.2", "renamed")]
    assert next((s["tool"], s["arguments"]) for s in assert_steps_runnable(h)) == (
        "suggest_columns",
        {"fqn": ORDERS, "column": "order_ts"},
    )
    assert gone["column"]["status"] == "never_existed"
    assert any(p.endswith(f"/tables/{standin.world.tables[ORDERS]['id']}/versions") for p in standin.requests)


class StdioServer:
    """The server as a subprocess spoken to in raw JSON-RPC (the SDK preload is per process, so a fresh one)."""

    def __init__(self, env: dict[str, str]) -> None:
        import subprocess
        import sys
        import threading

        from tests.harness import ROOT, server_env

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oncall_mcp.servers.openmetadata"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=server_env({**env, "OCM_LOG_LEVEL": "INFO"}),
            cwd=ROOT,
        )
        self.preloaded = threading.Event()
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.watchdog = threading.Timer(240, self.proc.kill)
        self.watchdog.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr
        for line in self.proc.stderr:
            self.stderr.append(line)
            if "openmetadata-ingestion preloaded" in line:
                self.preloaded.set()

    def send(self, msg: dict[str, Any]) -> None:
        import json

        assert self.proc.stdin
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def until_answer(self, request_id: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Progress notifications received before the answer to `request_id`, and that answer."""
        import json

        assert self.proc.stdout
        progress = []
        for line in self.proc.stdout:
            msg = json.loads(line)
            if msg.get("method") == "notifications/progress":
                progress.append(msg["params"])
            elif msg.get("id") == request_id:
                return progress, msg
        raise AssertionError(f"server exited before answering {request_id}: {''.join(self.stderr)[-2000:]}")

    def call(self, request_id: int, name: str, arguments: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
        params = {"name": name, "arguments": arguments, "_meta": {"progressToken": f"p{request_id}"}}
        self.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params})
        progress, answer = self.until_answer(request_id)
        assert all(p["progressToken"] == f"p{request_id}" for p in progress)
        return progress, answer["result"]

    def close(self) -> None:
        self.watchdog.cancel()
        self.proc.kill()
        self.proc.wait()


def _started(env: dict[str, str]) -> StdioServer:
    from tests.harness import initialize_messages

    server = StdioServer(env)
    for msg in initialize_messages():
        server.send(msg)
    server.until_answer(2)  # tools/list answered: the SDK is not imported for it
    return server


@pytest.mark.process
def test_a_call_waiting_for_the_sdk_reports_progress(standin: Any) -> None:
    """Right after start the SDK is still loading (5-10 s): the call waits for it and tells a client that sent a
    progress token, so a client with a short timeout that resets on progress keeps waiting. Once loaded, no wait."""
    server = _started({"OCM_OPENMETADATA_HOST": standin.url, "OCM_OPENMETADATA_TOKEN": TOKEN})
    try:
        progress, result = server.call(3, "get_table", {"fqn": "reports.restaurants"})
        assert not result.get("isError"), result
        assert result["structuredContent"]["fqn"] == RESTAURANTS
        assert progress, "no progress notification while the SDK loaded"
        assert all("loading the OpenMetadata SDK" in p["message"] for p in progress)
        assert [p["progress"] for p in progress] == sorted({p["progress"] for p in progress})  # strictly rising
        again, result = server.call(4, "schema_history", {"fqn": ORDERS, "column": "order_ts"})
        assert again == [] and result["structuredContent"]["column"]["renamed_to"] == "placed_at"
    finally:
        server.close()


@pytest.mark.process
def test_first_call_after_the_preload_does_not_wait(standin: Any) -> None:
    """The background preload finishes before the first call: that call neither imports nor waits."""
    server = _started({"OCM_OPENMETADATA_HOST": standin.url, "OCM_OPENMETADATA_TOKEN": TOKEN})
    try:
        assert server.preloaded.wait(180), "".join(server.stderr)[-2000:]
        progress, result = server.call(3, "suggest_columns", {"fqn": RESTAURANTS, "column": "r.open_date"})
        assert progress == [] and not result.get("isError"), result
        assert result["structuredContent"]["suggestions"][0]["name"] == "start_date"
    finally:
        server.close()
