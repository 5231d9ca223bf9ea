"""Protocol tests that need no engine: schemas, the guard in front of every tool, engines that are down."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
from mcp import Client

from oncall_mcp.servers.trino.policy import policy
from oncall_mcp.servers.trino.server import build_server
from oncall_mcp.servers.trino.settings import TrinoSettings
from tests.harness import ROOT, free_port, server_env, tool_text
from tests.nextsteps import assert_steps_runnable, step_problems


def closed_port() -> int:
    return free_port()  # nothing listens on it


async def test_only_configured_engines_appear_in_the_schema() -> None:
    cases = [
        (TrinoSettings(host="127.0.0.1"), ["trino"]),
        (TrinoSettings(spark_mode="local"), ["spark"]),
        (TrinoSettings(), ["spark"]),  # nothing configured: the embedded local Spark is the default
        (TrinoSettings(host="127.0.0.1", spark_remote="sc://127.0.0.1:15002"), ["trino", "spark"]),
    ]
    for settings, expected in cases:
        async with Client(build_server(settings).mcp) as c:
            for tool in (await c.list_tools()).tools:
                prop = tool.input_schema["properties"]["engine"]
                listed = prop.get("enum") or [prop["const"]]
                assert listed == expected, (tool.name, listed)
                assert prop["default"] == expected[0]
            bad = await c.call_tool("check_sql", {"sql": "SELECT 1", "engine": "postgres"})
            assert bad.is_error


@pytest.mark.process
def test_tools_list_does_not_start_spark() -> None:
    """Spark starts lazily on the first call: tools/list over stdio answers without a JVM."""
    from tests.harness import initialize_messages, raw_stdio_exchange

    start = time.perf_counter()
    lines = raw_stdio_exchange("oncall_mcp.servers.trino", {"OCM_TRINO_SPARK_MODE": "local"}, initialize_messages())
    elapsed = time.perf_counter() - start
    assert any('"tools"' in line for line in lines)
    assert elapsed < 30, elapsed
    probe = "import oncall_mcp.servers.trino.server as s, sys; s.build_server(); print('pyspark' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=server_env({"OCM_TRINO_SPARK_MODE": "local"}), cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.strip() == "False", out.stderr[-500:]


async def test_check_sql_reports_refusals_and_the_rewrite() -> None:
    async with Client(build_server(TrinoSettings(host="127.0.0.1", max_rows=50)).mcp) as c:
        r = await c.call_tool("check_sql", {"sql": "WITH a AS (DELETE FROM t) SELECT 1"})
        assert not r.is_error and r.structured_content["allowed"] is False
        assert "DELETE" in r.structured_content["reason"]
        r = await c.call_tool("check_sql", {"sql": "select n.name from tpch.tiny.nation n"})
        sc = r.structured_content
        assert sc["allowed"] and sc["tables"] == ["tpch.tiny.nation"] and sc["rewritten_sql"].endswith("LIMIT 51")


async def test_refused_sql_never_reaches_a_down_engine() -> None:
    """The guard answers before any connection: a refused statement gets the guard's reason, not 'unavailable'."""
    settings = TrinoSettings(host="127.0.0.1", port=closed_port())
    async with Client(build_server(settings).mcp) as c:
        for tool, args in [
            ("run_query", {"sql": "DELETE FROM memory.default.t"}),
            ("validate_sql", {"sql": "SELECT 1; DROP TABLE t"}),
            ("explain", {"sql": "EXPLAIN ANALYZE SELECT 1"}),
            ("run_query", {"sql": "SELECT * FROM TABLE(system.query(query => 'DROP TABLE t'))"}),
        ]:
            r = await c.call_tool(tool, args)
            assert r.is_error and "refused by the read-only guard" in tool_text(r), tool_text(r)


async def test_engine_down_is_a_clear_error_and_the_server_keeps_serving() -> None:
    port = closed_port()
    settings = TrinoSettings(host="127.0.0.1", port=port, spark_remote=f"sc://127.0.0.1:{closed_port()}")
    async with Client(build_server(settings).mcp) as c:
        start = time.perf_counter()
        r = await c.call_tool("run_query", {"sql": "SELECT 1", "engine": "trino"})
        assert r.is_error and "trino is unavailable" in tool_text(r) and f"127.0.0.1:{port}" in tool_text(r)
        r = await c.call_tool("validate_sql", {"sql": "SELECT 1", "engine": "spark"})
        assert r.is_error and "spark is unavailable" in tool_text(r) and "unreachable" in tool_text(r)
        r = await c.call_tool("recent_queries", {"engine": "trino"})
        assert r.is_error and "unavailable" in tool_text(r)
        assert time.perf_counter() - start < 30
        ok = await c.call_tool("check_sql", {"sql": "SELECT 1", "engine": "trino"})
        assert not ok.is_error


async def test_bad_table_names_are_clear_errors() -> None:
    async with Client(build_server(TrinoSettings(host="127.0.0.1", port=closed_port())).mcp) as c:
        for name in ["a.b.c.d", "x; DROP TABLE y", "system.metadata.catalogs"]:
            r = await c.call_tool("describe_table", {"table": name})
            assert r.is_error, name
            assert "unavailable" not in tool_text(r), tool_text(r)


async def test_secrets_never_leak_in_errors() -> None:
    settings = TrinoSettings(host="127.0.0.1", port=closed_port(), http_scheme="https", password="s3cr3t-Pa55word")
    async with Client(build_server(settings).mcp) as c:
        r = await c.call_tool("run_query", {"sql": "SELECT 1"})
        assert r.is_error and "s3cr3t" not in tool_text(r)


@pytest.mark.process
def test_bad_configuration_fails_with_one_line() -> None:
    (line,) = refused_at_start({"OCM_TRINO_SPARK_REMOTE": "http://x"})
    assert "OCM_TRINO_SPARK_REMOTE" in line


def refused_at_start(env: dict[str, str]) -> list[str]:
    """Start the trino server with `env`; it must exit 2 before serving. Returns its stderr lines (expected: one)."""
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.servers.trino"], env=server_env(env), cwd=ROOT, capture_output=True,
        text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2, out.stderr[-500:]
    return out.stderr.strip().splitlines()


@pytest.mark.process
def test_a_session_catalog_alias_that_reads_files_or_system_fails_at_start_with_one_line() -> None:
    for value, named in (("lake,parquet", "'parquet' is a Spark data source name"), ("system", "'system' cannot")):
        (line,) = refused_at_start({"OCM_TRINO_SPARK_SESSION_CATALOG_ALIASES": value})
        assert "OCM_TRINO_SPARK_SESSION_CATALOG_ALIASES" in line and named in line, line


def test_list_settings_read_comma_separated_names_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCM_TRINO_SPARK_SESSION_CATALOG_ALIASES", "Lake, shared")
    monkeypatch.setenv("OCM_TRINO_ALLOWED_SCHEMAS", "reports,spark_catalog.default")
    monkeypatch.setenv("OCM_TRINO_ALLOWED_CATALOGS", '["hive"]')
    s = TrinoSettings()
    assert s.spark_session_catalog_aliases == ["lake", "shared"]
    assert (s.allowed_schemas, s.allowed_catalogs) == (["reports", "spark_catalog.default"], ["hive"])
    for bad in ("spark_catalog", "lake.x", "json"):
        with pytest.raises(ValueError, match="spark_session_catalog_aliases"):
            TrinoSettings(spark_session_catalog_aliases=bad)


async def test_check_sql_reads_a_session_catalog_alias_as_spark_catalog() -> None:
    """No Spark is started for check_sql: the guard alone shows the rewrite and says the mapping once."""
    settings = TrinoSettings(spark_mode="local", spark_session_catalog_aliases="lake", allowed_schemas="reports")
    async with Client(build_server(settings).mcp) as c:
        sql = "SELECT count(*) FROM lake.reports.restaurants"
        r = (await c.call_tool("check_sql", {"sql": sql})).structured_content
        assert r["allowed"] and r["tables"] == ["spark_catalog.reports.restaurants"]
        assert r["rewritten_sql"] == "SELECT COUNT(*) FROM spark_catalog.reports.restaurants LIMIT 1001"
        assert r["reason"] == "single read statement; catalog 'lake' is read as Spark's session catalog spark_catalog"
        (step,) = assert_steps_runnable(r)
        assert step["arguments"] == {"sql": sql, "engine": "spark"}
        for sql, reason in (
            ("SELECT * FROM shop.reports.restaurants", "catalog 'shop': only the session catalog (spark_catalog)"),
            ("SELECT * FROM lake.staging.orders", "schema 'staging' of lake.staging.orders is not in the allowlist"),
            ("SELECT * FROM lake.parquet.`/etc/passwd`", "reading files by path is not allowed"),
        ):
            refused = (await c.call_tool("check_sql", {"sql": sql})).structured_content
            assert not refused["allowed"] and reason in refused["reason"], refused
            r2 = await c.call_tool("run_query", {"sql": sql})
            assert r2.is_error and "refused by the read-only guard" in tool_text(r2), tool_text(r2)


@pytest.mark.process
def test_credentials_over_http_fail_at_start_with_one_line() -> None:
    for secret in ("OCM_TRINO_PASSWORD", "OCM_TRINO_JWT"):
        (line,) = refused_at_start({"OCM_TRINO_HOST": "trino.example", secret: "s3cr3t-value"})
        assert secret in line and "OCM_TRINO_HTTP_SCHEME" in line and "s3cr3t" not in line, line
    ok = TrinoSettings(host="h", http_scheme="https", jwt="j")
    assert ok.jwt is not None


async def test_statement_size_is_bounded_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    select_list = "SELECT " + ", ".join(f"c{i} + {i}" for i in range(12_000))

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized statement reached the parser")

    monkeypatch.setattr("oncall_mcp.servers.trino.guard.sqlglot.parse", no_parse)
    async with Client(build_server(TrinoSettings(host="127.0.0.1")).mcp) as c:
        for engine_sql, limit in (
            (select_list[:99_990].rsplit(",", 1)[0], "MAX_SQL_CHARS"),
            ("SELECT " + "+".join("1" for _ in range(6_000)), "MAX_TOKENS"),
        ):
            r = await c.call_tool("check_sql", {"sql": engine_sql})
            assert r.is_error and limit in tool_text(r), tool_text(r)
            r = await c.call_tool("run_query", {"sql": engine_sql})
            assert r.is_error and limit in tool_text(r), tool_text(r)
    monkeypatch.undo()
    async with Client(build_server(TrinoSettings(host="127.0.0.1")).mcp) as c:
        ok = await c.call_tool("check_sql", {"sql": "SELECT 1"})
        assert ok.structured_content["allowed"]


def test_policy_with_and_without_settings() -> None:
    generic = policy(None)
    assert "<catalog>" in str(generic) and "spark" in generic
    s = TrinoSettings(host="h", allowed_catalogs="hive,tpch", allowed_schemas="reports", impersonate=True)
    p = policy(s)
    assert {r["catalog"] for r in p["trino_file_access_control"]["catalogs"]} >= {"hive", "tpch"}
    assert "impersonation" in p["trino_file_access_control"] and "spark" not in p
    assert "GRANT SELECT ON SCHEMA hive.reports TO USER oncall-mcp" in p["trino_sql_grants"]


async def test_allowlists_come_from_settings() -> None:
    s = TrinoSettings(host="127.0.0.1", allowed_catalogs="tpch", allowed_schemas="tpch.tiny")
    async with Client(build_server(s).mcp) as c:
        ok = await c.call_tool("check_sql", {"sql": "SELECT * FROM tpch.tiny.nation"})
        assert ok.structured_content["allowed"]
        no = await c.call_tool("check_sql", {"sql": "SELECT * FROM tpch.sf1.nation"})
        assert not no.structured_content["allowed"] and "allowlist" in no.structured_content["reason"]
        no = await c.call_tool("check_sql", {"sql": "SELECT * FROM hive.x.y"})
        assert not no.structured_content["allowed"]


async def test_trino_tables_must_resolve_to_catalog_schema_table() -> None:
    """Unqualified names are qualified with the session defaults before the allowlist check, or refused."""
    bare = TrinoSettings(host="127.0.0.1")
    defaults = TrinoSettings(host="127.0.0.1", default_catalog="tpch", default_schema="tiny", allowed_catalogs="tpch")
    async with Client(build_server(bare).mcp) as c:
        for sql in ("SELECT * FROM nation", "SELECT * FROM tiny.nation", 'SELECT * FROM tpch."tiny.x".nation'):
            r = await c.call_tool("check_sql", {"sql": sql})
            assert r.structured_content["allowed"] is False, sql
        r = await c.call_tool("run_query", {"sql": "SELECT * FROM nation"})
        assert r.is_error and "catalog.schema.table" in tool_text(r)
    async with Client(build_server(defaults).mcp) as c:
        r = await c.call_tool("check_sql", {"sql": "SELECT * FROM nation"})
        assert r.structured_content["allowed"], r.structured_content
        r = await c.call_tool("check_sql", {"sql": "SELECT * FROM sf1.nation"})
        assert r.structured_content["allowed"]
        r = await c.call_tool("check_sql", {"sql": "SELECT * FROM memory.default.t"})
        assert not r.structured_content["allowed"] and "allowlist" in r.structured_content["reason"]


async def test_validate_sql_takes_the_query_part_of_a_write_and_other_tools_keep_refusing() -> None:
    """No engine needed: a write whose query part is refused stays refused before any connection; a write with a
    readable query part gets past the guard to the (down) engine; check_sql/run_query/explain refuse every write."""
    settings = TrinoSettings(host="127.0.0.1", port=closed_port())
    write = "INSERT INTO memory.default.t SELECT * FROM tpch.tiny.nation"
    async with Client(build_server(settings).mcp) as c:
        hidden = "INSERT INTO memory.default.t SELECT * FROM TABLE(system.query(query => 'DROP TABLE t'))"
        r = await c.call_tool("validate_sql", {"sql": hidden})
        assert r.is_error and "refused by the read-only guard" in tool_text(r), tool_text(r)
        nested = "INSERT INTO memory.default.t WITH a AS (DELETE FROM memory.default.u) SELECT 1"
        r = await c.call_tool("validate_sql", {"sql": nested})
        assert r.is_error and "refused by the read-only guard" in tool_text(r), tool_text(r)
        r = await c.call_tool("validate_sql", {"sql": write})
        assert r.is_error and "trino is unavailable" in tool_text(r), tool_text(r)
        checked = await c.call_tool("check_sql", {"sql": write})
        assert checked.structured_content["allowed"] is False
        for tool in ("run_query", "explain"):
            r = await c.call_tool(tool, {"sql": write})
            assert r.is_error and "refused by the read-only guard" in tool_text(r), tool_text(r)


async def test_check_sql_points_to_validate_sql_and_results_carry_the_contract() -> None:
    async with Client(build_server(TrinoSettings(host="127.0.0.1")).mcp) as c:
        sql = "SELECT name FROM tpch.tiny.nation"
        r = (await c.call_tool("check_sql", {"sql": sql})).structured_content
        (step,) = assert_steps_runnable(r)
        assert (step["server"], step["tool"], step["arguments"]) == (
            "trino",
            "validate_sql",
            {"sql": sql, "engine": "trino"},
        )
        assert r["truncation"] == {
            "truncated": False, "reason": None, "omitted": None, "next_cursor": None, "how_to_get_more": ""
        }  # fmt: skip
        assert "trino.validate_sql(" in r["next_steps_text"]
        refused = (await c.call_tool("check_sql", {"sql": "DROP TABLE t"})).structured_content
        assert refused["next_steps"] == []
        bad_cursor = await c.call_tool("run_query", {"sql": sql, "cursor": "abc"})
        assert bad_cursor.is_error


def test_permission_denied_points_to_the_owner() -> None:
    """Trino's access-control error (no access control is configured on the test Trino, so the builder is called
    with the exact text Trino's AccessDeniedException produces)."""
    from oncall_mcp.servers.trino.followups import error_steps
    from oncall_mcp.servers.trino.guard import Allowlist
    from oncall_mcp.servers.trino.models import EngineError

    error = EngineError(name="PERMISSION_DENIED", message="Access Denied: Cannot select from table hive.sales.orders")
    (step,) = error_steps(error, "SELECT * FROM hive.sales.orders", "trino", Allowlist(), ["hive.sales.orders"])
    assert (step.server, step.tool, step.arguments) == (
        "ownership", "resolve_owner", {"asset": "hive.sales.orders", "kind": "table"}
    )  # fmt: skip
    assert not step_problems([step.model_dump()])


class SparkUiStandin:
    """A Spark REST API that holds every request until `answering` is set, then answers `body` (JSON `[]`)."""

    def __init__(self, body: bytes = b"[]") -> None:
        self.answering = threading.Event()
        self.body = body
        self.requests: list[str] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                standin.requests.append(self.path)
                standin.answering.wait(30)
                body = standin.body
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.answering.set()
        self.httpd.shutdown()
        self.httpd.server_close()


async def test_spark_ui_that_does_not_answer_is_an_error_with_next_steps(tmp_path: Path) -> None:
    ui = SparkUiStandin()
    audit = tmp_path / "audit.jsonl"
    settings = TrinoSettings(
        spark_remote=f"sc://127.0.0.1:{closed_port()}",
        spark_ui_url=ui.url,
        spark_app_id="app-1",
        spark_ui_timeout_s=0.5,
        spark_warmup=False,
        audit_file=audit,
    )
    args = {"engine": "spark", "state": "FAILED", "since": "2026-01-01T00:00:00Z", "limit": 5}
    try:
        async with Client(build_server(settings).mcp) as c:
            schema = next(t.output_schema for t in (await c.list_tools()).tools if t.name == "recent_queries")
            start = time.perf_counter()
            slow = await c.call_tool("recent_queries", args)
            elapsed = time.perf_counter() - start
            other = await c.call_tool("check_sql", {"sql": "SELECT 1", "engine": "spark"})
            ui.answering.set()
            again = await c.call_tool("recent_queries", args)
    finally:
        ui.close()
    text = tool_text(slow)
    assert slow.is_error and "the Spark UI did not answer within 0.5s" in text, text
    assert "OCM_TRINO_SPARK_UI_TIMEOUT_S" in text and "Next steps: 1) trino.recent_queries(" in text
    assert 0.4 < elapsed < 5, elapsed
    assert ui.requests[0] == "/api/v1/applications/app-1/jobs?status=failed"
    steps = assert_steps_runnable(slow.structured_content)
    assert [(s["server"], s["tool"], s["priority"]) for s in steps] == [
        ("trino", "recent_queries", 1),
        ("airflow_logs", "list_failed_tasks", 2),
    ]
    assert steps[0]["arguments"] == args and steps[1]["arguments"] == {"since": args["since"]}
    # TypeScript clients validate structuredContent against outputSchema even on isError
    jsonschema.validate(slow.structured_content, schema)
    cut = slow.structured_content["truncation"]
    assert slow.structured_content["events"] == [] and (cut["truncated"], cut["reason"]) == (True, "time")
    assert "recent_queries again" in cut["how_to_get_more"] and "now 0.5s" in cut["how_to_get_more"]
    assert not other.is_error and other.structured_content["allowed"]
    assert not again.is_error and again.structured_content["events"] == [], tool_text(again)
    outcomes = [json.loads(line)["outcome"] for line in audit.read_text().splitlines()]
    assert outcomes == ["tool_error", "ok", "ok"]


async def test_spark_ui_answer_that_is_not_json_is_a_clear_error() -> None:
    ui = SparkUiStandin(b"<html>login</html>")
    ui.answering.set()
    settings = TrinoSettings(
        spark_remote=f"sc://127.0.0.1:{closed_port()}", spark_ui_url=ui.url, spark_app_id="a", spark_warmup=False
    )
    try:
        async with Client(build_server(settings).mcp) as c:
            r = await c.call_tool("recent_queries", {"engine": "spark"})
    finally:
        ui.close()
    assert r.is_error and "gave an unreadable answer (JSONDecodeError)" in tool_text(r), tool_text(r)
