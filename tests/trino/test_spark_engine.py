"""Against real Spark: the embedded local session (warehouse of parquet folders) and a Spark Connect server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.trino.server import build_server
from oncall_mcp.servers.trino.settings import TrinoSettings
from tests.harness import initialize_messages, raw_stdio_exchange, tool_text
from tests.nextsteps import assert_steps_runnable
from tests.trino.sparkconnect import SparkConnectServer

pytestmark = pytest.mark.engine

BAD = "SELECT r.open_date FROM reports.restaurants r"
GOOD = "SELECT r.start_date FROM reports.restaurants r"
SLOW = (
    "SELECT count(*) FROM reports.big_events a CROSS JOIN reports.big_events b CROSS JOIN reports.big_events c "
    "WHERE a.id + b.id + c.id = -1"
)

FILE_READS = [
    "SELECT * FROM org.apache.spark.sql.execution.datasources.text.TextFileFormat.`/etc/passwd`",
    "SELECT * FROM `org.apache.spark.sql.execution.datasources.text.TextFileFormat`.`/etc/passwd`",
    "SELECT * FROM org.apache.spark.sql.execution.datasources.binaryfile.BinaryFileFormat.`/etc/passwd`",
    "SELECT * FROM `org.apache.spark.sql.execution.datasources.binaryfile.BinaryFileFormat`.`/etc/passwd`",
    "SELECT * FROM com.databricks.spark.csv.`/etc/passwd`",
    "SELECT * FROM `com.databricks.spark.csv`.`/etc/passwd`",
    "SELECT * FROM org.apache.spark.sql.json.`/etc/passwd`",
    "SELECT * FROM `org.apache.spark.sql.execution.datasources.text.TextFileFormat`.`*`",
    "SELECT * FROM org.apache.spark.sql.execution.datasources.text.TextFileFormat.`*`",
    "SELECT * FROM `text`.`*`",
    "SELECT * FROM text.`.aws/credentials`",
    "SELECT * FROM libsvm.`/etc/passwd`",
    "SELECT * FROM image.`/etc`",
    "SELECT * FROM noop.`x`",
    "SELECT * FROM noop.x",
    "SELECT * FROM json.`/etc/passwd`",
    "SELECT * FROM csv.`/etc/passwd`",
    "SELECT * FROM parquet.`/etc`",
    "SELECT * FROM reports.restaurants WHERE id IN (SELECT length(value) FROM text.`/etc/passwd`)",
    "CREATE TEMP VIEW leak AS SELECT * FROM text.`/etc/passwd`",
    "CREATE TEMPORARY VIEW leak USING text OPTIONS (path '/etc/passwd')",
    "SELECT * FROM TABLE(range(10))",
    "SELECT * FROM range(10)",
    "SELECT * FROM read_files('/etc/passwd')",
    "SELECT input_file_name() FROM reports.restaurants",
    "SELECT reflect('java.lang.System', 'getenv', 'HOME')",
    "DESCRIBE text.`/etc/passwd`",
    "EXPLAIN SELECT * FROM text.`/etc/passwd`",
]


def local_settings(warehouse: Path, **extra: object) -> TrinoSettings:
    """The demo contract: only the warehouse is configured, so Spark local is the one engine."""
    return TrinoSettings(spark_warehouse=warehouse, **extra)


async def test_local_validate_sql_surfaces_unresolved_column(spark_warehouse: Path) -> None:
    server = build_server(local_settings(spark_warehouse))
    async with Client(server.mcp) as c:
        tools = (await c.list_tools()).tools
        assert tools[0].input_schema["properties"]["engine"]["enum"] == ["spark"]  # portable schema: no const
        bad = await c.call_tool("validate_sql", {"sql": BAD, "engine": "spark"})
        sc = bad.structured_content
        assert not bad.is_error and sc["valid"] is False
        err = sc["error"]
        assert err["name"] == "UNRESOLVED_COLUMN.WITH_SUGGESTION"
        assert err["message"].startswith(
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name "
            "`r`.`open_date` cannot be resolved. Did you mean one of the following?"
        )
        assert "`r`.`start_date`" in err["message"] and err["sqlstate"] == "42703"
        assert (err["line"], err["column"]) == (1, 8)
        good = await c.call_tool("validate_sql", {"sql": GOOD, "engine": "spark"})
        assert good.structured_content["valid"] is True
        assert good.structured_content["output_columns"] == [{"name": "start_date", "type": "date", "comment": None}]


async def test_local_run_describe_freshness_explain(spark_warehouse: Path) -> None:
    async with Client(build_server(local_settings(spark_warehouse)).mcp) as c:
        r = await c.call_tool(
            "run_query", {"sql": "SELECT id, name FROM reports.restaurants ORDER BY id", "max_rows": 2}
        )
        sc = r.structured_content
        assert sc["rows"] == [[1, "Chez A"], [2, "B Bistro"]]
        assert sc["truncation"]["truncated"] and sc["truncation"]["reason"] == "limit"
        assert sc["truncation"]["next_cursor"] == "2" and "cursor='2'" in sc["truncation"]["how_to_get_more"]
        more = await c.call_tool(
            "run_query",
            {"sql": "SELECT id, name FROM reports.restaurants ORDER BY id", "max_rows": 2, "cursor": "2"},
        )
        assert more.structured_content["rows"] == [[3, "C Cafe"]], more.structured_content
        assert not more.structured_content["truncation"]["truncated"]
        d = await c.call_tool("describe_table", {"table": "reports.restaurants"})
        assert [(x["name"], x["type"]) for x in d.structured_content["columns"]] == [
            ("id", "int"),
            ("name", "string"),
            ("start_date", "date"),
        ]
        f = await c.call_tool("table_freshness", {"table": "reports.restaurants"})
        assert (f.structured_content["row_count"], f.structured_content["max_timestamp"]) == (3, "2024-06-30")
        e = await c.call_tool("explain", {"sql": "SELECT count(*) FROM reports.restaurants"})
        assert "Physical Plan" in e.structured_content["plan"]
        missing = await c.call_tool("describe_table", {"table": "reports.nope"})
        assert missing.is_error and "TABLE_OR_VIEW_NOT_FOUND" in tool_text(missing)
        refused = await c.call_tool("run_query", {"sql": "SELECT * FROM text.`/etc/passwd`"})
        assert refused.is_error and "refused" in tool_text(refused)


async def test_local_limits_timeout_and_failed_job_metrics(spark_warehouse: Path) -> None:
    async with Client(build_server(local_settings(spark_warehouse, max_bytes=50_000)).mcp) as c:
        big = await c.call_tool("run_query", {"sql": "SELECT * FROM reports.big_events", "max_rows": 10_000})
        cut = big.structured_content["truncation"]
        assert cut["truncated"] and cut["reason"] in ("size", "budget") and "50000 bytes" in cut["how_to_get_more"]
        start = time.perf_counter()
        slow = await c.call_tool("run_query", {"sql": SLOW, "timeout_s": 3})
        assert slow.is_error and "cancelled" in tool_text(slow), tool_text(slow)
        assert time.perf_counter() - start < 30
        failing = await c.call_tool("run_query", {"sql": "SELECT CAST(name AS INT) FROM reports.restaurants"})
        assert failing.is_error and "CAST_INVALID_INPUT" in tool_text(failing), tool_text(failing)
        recent = await c.call_tool("recent_queries", {"engine": "spark", "state": "FAILED"})
        events = recent.structured_content["events"]
        assert "/api/v1/applications/" in recent.structured_content["source"]
        assert any(e["kind"] == "stage" and "CAST_INVALID_INPUT" in (e["error"] or "") for e in events), events
        assert any(e["kind"] == "job" and e["state"] == "FAILED" for e in events), events
        ok = await c.call_tool("run_query", {"sql": "SELECT 1 AS one"})
        assert ok.structured_content["rows"] == [[1]]


def test_local_spark_over_stdio_keeps_stdout_protocol_only(spark_warehouse: Path) -> None:
    """The JVM of the embedded Spark inherits no stdout: every stdout line is still JSON-RPC."""
    env = {"OCM_TRINO_SPARK_WAREHOUSE": str(spark_warehouse)}
    call = {"name": "validate_sql", "arguments": {"sql": BAD}}
    lines = raw_stdio_exchange("oncall_mcp.servers.trino", env, initialize_messages(call), timeout=240)
    msgs = [json.loads(line) for line in lines]
    assert all(m.get("jsonrpc") == "2.0" for m in msgs), lines
    answer = next(m for m in msgs if m.get("id") == 3)
    assert answer["result"]["structuredContent"]["error"]["name"] == "UNRESOLVED_COLUMN.WITH_SUGGESTION"


def _create_connect_tables(server: SparkConnectServer) -> None:
    from pyspark.sql.connect.session import SparkSession

    spark = SparkSession.builder.remote(server.url).create()
    spark.sql("CREATE DATABASE IF NOT EXISTS reports")
    spark.sql(
        "CREATE TABLE IF NOT EXISTS reports.restaurants USING parquet AS SELECT * FROM VALUES "
        "(1, 'Chez A', DATE'2024-01-05'), (2, 'B Bistro', DATE'2024-03-01'), (3, 'C Cafe', DATE'2024-06-30') "
        "AS t(id, name, start_date)"
    )
    spark.sql("CREATE TABLE IF NOT EXISTS reports.big_events USING parquet AS SELECT id FROM range(20000)")
    spark.stop()


async def test_connect_plan_check_refuses_files_and_passes_catalog_reads(
    spark_connect: SparkConnectServer, tmp_path: Path
) -> None:
    """Spark Connect has no plan objects on the client: the analyzed plan of EXPLAIN EXTENDED is checked instead."""
    from pyspark.sql.connect.session import SparkSession

    _create_connect_tables(spark_connect)
    secret = tmp_path / "secret.txt"
    secret.write_text("AKIAIOSFODNN7EXAMPLE\n")
    other = SparkSession.builder.remote(spark_connect.url).create()
    other.read.text(str(secret)).createOrReplaceGlobalTempView("leak")
    other.stop()
    settings = TrinoSettings(spark_remote=spark_connect.url, spark_ui_url=spark_connect.ui_url)
    async with Client(build_server(settings).mcp) as c:
        for sql in ("SELECT * FROM global_temp.leak", "EXPLAIN SELECT * FROM global_temp.leak"):
            r = await c.call_tool("run_query", {"sql": sql})
            assert r.is_error and "no catalog table" in tool_text(r), tool_text(r)
            assert "AKIA" not in tool_text(r)
        for sql in [*FILE_READS[:8], "SELECT * FROM noop.x", "SELECT * FROM text.`*`"]:
            r = await c.call_tool("run_query", {"sql": sql})
            assert r.is_error and "refused by the read-only guard" in tool_text(r), (sql, tool_text(r))
        for sql in (
            "WITH x AS (SELECT * FROM reports.restaurants) SELECT count(*) FROM x WHERE id IN (SELECT id FROM x)",
            "SELECT name, row_number() OVER (ORDER BY start_date) FROM reports.restaurants",
            "SELECT * FROM reports.restaurants LATERAL VIEW explode(array(1, 2)) e AS v",
            # a literal spanning lines can only add lines that look like accepted nodes; the real nodes stay checked
            "SELECT 'a\n+- Relation spark_catalog.reports.restaurants[id#1] parquet' AS fake",
        ):
            r = await c.call_tool("run_query", {"sql": sql})
            assert not r.is_error, (sql, tool_text(r))
        # a plan line that is no known node fails closed
        r = await c.call_tool("run_query", {"sql": "SELECT 'a\nnot a plan node' AS odd"})
        assert r.is_error and "does not accept" in tool_text(r), tool_text(r)


async def test_connect_validate_run_cancel_and_metrics(spark_connect: SparkConnectServer) -> None:
    _create_connect_tables(spark_connect)
    settings = TrinoSettings(spark_remote=spark_connect.url, spark_ui_url=spark_connect.ui_url)
    server = build_server(settings)
    async with Client(server.mcp) as c:
        bad = await c.call_tool("validate_sql", {"sql": BAD})
        err = bad.structured_content["error"]
        assert err["name"] == "UNRESOLVED_COLUMN.WITH_SUGGESTION" and err["sqlstate"] == "42703"
        assert "`r`.`open_date` cannot be resolved" in err["message"]
        good = await c.call_tool("validate_sql", {"sql": GOOD})
        assert good.structured_content["valid"] is True
        r = await c.call_tool("run_query", {"sql": "SELECT max(start_date) AS latest FROM reports.restaurants"})
        assert r.structured_content["rows"] == [["2024-06-30"]]
        failing = await c.call_tool("run_query", {"sql": "SELECT CAST(name AS INT) FROM reports.restaurants"})
        assert failing.is_error and "CAST_INVALID_INPUT" in tool_text(failing)
        recent = await c.call_tool("recent_queries", {"state": "FAILED"})
        assert recent.structured_content["source"].startswith(spark_connect.ui_url)
        events = recent.structured_content["events"]
        assert any(e["kind"] == "stage" and "CAST_INVALID_INPUT" in (e["error"] or "") for e in events), events
        start = time.perf_counter()
        slow = await c.call_tool("run_query", {"sql": SLOW, "timeout_s": 3})
        assert slow.is_error and "cancelled" in tool_text(slow), tool_text(slow)
        assert time.perf_counter() - start < 30
        # the engine really stops: no stage stays active after the interrupt
        deadline = time.monotonic() + 60
        while True:
            running = await c.call_tool("recent_queries", {"state": "RUNNING"})
            assert running.structured_content is not None, tool_text(running)
            active = [e for e in running.structured_content["events"] if e["kind"] in ("job", "stage")]
            if not active or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert not active, active
    # the cancelled run is the last call: see README "Known limits" (a Connect session may stall after an interrupt)


async def test_local_file_reads_are_refused_and_catalog_reads_pass(spark_warehouse: Path) -> None:
    """Every way of naming a file instead of a table is refused before Spark analyses it; reads still work."""
    from tests.trino.corpus import allow_cases

    async with Client(build_server(local_settings(spark_warehouse)).mcp) as c:
        for sql in FILE_READS:
            checked = await c.call_tool("check_sql", {"sql": sql})
            assert checked.structured_content["allowed"] is False, sql
            for tool in ("run_query", "validate_sql", "explain"):
                r = await c.call_tool(tool, {"sql": sql})
                assert r.is_error and "refused by the read-only guard" in tool_text(r), (tool, sql, tool_text(r))
                assert "root:" not in tool_text(r)
        allowed = 0
        for case in allow_cases("spark"):
            r = await c.call_tool("run_query", {"sql": case.sql})
            assert not r.is_error, (case, tool_text(r))
            allowed += 1
        assert allowed >= 30


async def test_local_plan_check_refuses_a_temp_view_over_files(spark_warehouse: Path, tmp_path: Path) -> None:
    """A view over files that is already in the session (made by someone else) passes the parser but not the
    analyzed-plan check; catalog tables, CTEs and subqueries over them still pass it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("AKIAIOSFODNN7EXAMPLE\n")
    server = build_server(local_settings(spark_warehouse))
    session = server.service.engines["spark"].session()  # type: ignore[attr-defined]
    session.read.text(str(secret)).createOrReplaceTempView("leak")
    session.read.text(str(secret)).createOrReplaceTempView("restaurants_copy")
    async with Client(server.mcp) as c:
        for sql in (
            "SELECT * FROM leak",
            "SELECT count(*) FROM reports.restaurants WHERE name IN (SELECT value FROM leak)",
            "WITH x AS (SELECT * FROM restaurants_copy) SELECT * FROM x",
            "EXPLAIN SELECT * FROM leak",
        ):
            assert (await c.call_tool("check_sql", {"sql": sql})).structured_content["allowed"], sql
            for tool in ("run_query",) if sql.startswith("EXPLAIN") else ("run_query", "validate_sql", "explain"):
                r = await c.call_tool(tool, {"sql": sql})
                assert r.is_error and "no catalog table" in tool_text(r), (tool, sql, tool_text(r))
                assert "AKIA" not in tool_text(r)
        cte = "WITH x AS (SELECT * FROM reports.restaurants) SELECT count(*) FROM x WHERE id IN (SELECT id FROM x)"
        ok = await c.call_tool("run_query", {"sql": cte})
        assert ok.structured_content["rows"] == [[3]], tool_text(ok)
        missing = await c.call_tool("validate_sql", {"sql": "SELECT * FROM reports.nope"})
        assert missing.structured_content["valid"] is False
        assert missing.structured_content["error"]["name"] == "TABLE_OR_VIEW_NOT_FOUND"


async def test_local_schema_allowlist_is_checked_on_the_plan(spark_warehouse: Path) -> None:
    """A view in an allowed schema over a table of another schema is refused: the plan names the real table."""
    server = build_server(local_settings(spark_warehouse, allowed_schemas=["default"]))
    session = server.service.engines["spark"].session()  # type: ignore[attr-defined]
    session.sql("CREATE OR REPLACE VIEW default.restaurants_view AS SELECT * FROM reports.restaurants")
    try:
        async with Client(server.mcp) as c:
            r = await c.call_tool("run_query", {"sql": "SELECT * FROM default.restaurants_view"})
            assert r.is_error and "outside the allowed schemas" in tool_text(r), tool_text(r)
            r = await c.call_tool("run_query", {"sql": "SELECT * FROM reports.restaurants"})
            assert r.is_error and "not in the allowlist" in tool_text(r), tool_text(r)
    finally:
        session.sql("DROP VIEW IF EXISTS default.restaurants_view")


def _files(table_dir: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(table_dir)): (p.stat().st_size, p.stat().st_mtime_ns) for p in table_dir.rglob("*")}


async def test_local_validate_sql_next_steps_name_the_table_behind_the_alias(spark_warehouse: Path) -> None:
    async with Client(build_server(local_settings(spark_warehouse)).mcp) as c:
        bad = (await c.call_tool("validate_sql", {"sql": BAD})).structured_content
        steps = assert_steps_runnable(bad)
        calls = {(s["server"], s["tool"]): (s["arguments"], s["priority"]) for s in steps}
        assert calls[("openmetadata", "schema_history")] == ({"fqn": "reports.restaurants", "column": "open_date"}, 1)
        assert calls[("openmetadata", "suggest_columns")] == ({"fqn": "reports.restaurants", "column": "open_date"}, 1)
        assert calls[("trino", "describe_table")][0] == {"table": "reports.restaurants", "engine": "spark"}
        assert "openmetadata.schema_history(" in bad["next_steps_text"]
        missing = (await c.call_tool("validate_sql", {"sql": "SELECT x FROM reports.nope"})).structured_content
        assert missing["valid"] is False and missing["error"]["name"] == "TABLE_OR_VIEW_NOT_FOUND"
        calls = {(s["server"], s["tool"]): s["arguments"] for s in assert_steps_runnable(missing)}
        assert calls == {
            ("openmetadata", "search_tables"): {"query": "nope"},
            ("lineage", "upstream"): {"dataset": "reports.nope"},
        }
        good = (await c.call_tool("validate_sql", {"sql": GOOD + " WHERE r.id > 1"})).structured_content
        (count,) = assert_steps_runnable(good)
        assert (count["tool"], count["priority"]) == ("run_query", 3)
        ran = await c.call_tool("run_query", count["arguments"])
        assert ran.structured_content["rows"] == [[2]], ran.structured_content


async def test_local_describe_and_freshness_of_a_partitioned_table(spark_warehouse: Path) -> None:
    async with Client(build_server(local_settings(spark_warehouse)).mcp) as c:
        d = (await c.call_tool("describe_table", {"table": "reports.daily_orders"})).structured_content
        assert [col["name"] for col in d["columns"]] == ["order_id", "amount", "ds"]
        assert d["partition_columns"] == ["ds"]
        assert [(s["tool"], s["arguments"]) for s in assert_steps_runnable(d)] == [
            ("table_freshness", {"table": "reports.daily_orders", "engine": "spark"})
        ]
        f = (await c.call_tool("table_freshness", {"table": "reports.daily_orders"})).structured_content
        assert (f["row_count"], f["latest_partition"], f["stale"]) == (5, "ds=2024-06-30", True)
        (late,) = assert_steps_runnable(f)
        assert (late["server"], late["tool"], late["arguments"]) == (
            "lineage",
            "find_late_upstream",
            {"dataset": "reports.daily_orders"},
        )
        fresh = await c.call_tool("table_freshness", {"table": "reports.daily_orders", "stale_after_hours": 8760})
        # 2024-06-30 is more than a year before the test clock only after 2025-06-30
        assert fresh.structured_content["latest_partition"] == "ds=2024-06-30"


async def test_local_validate_sql_of_writes_checks_the_query_part_and_never_writes(spark_warehouse: Path) -> None:
    restaurants = spark_warehouse / "reports" / "restaurants"
    before = _files(restaurants)
    async with Client(build_server(local_settings(spark_warehouse)).mcp) as c:

        async def validate(sql: str) -> dict[str, object]:
            r = await c.call_tool("validate_sql", {"sql": sql})
            assert not r.is_error, tool_text(r)
            assert_steps_runnable(r.structured_content)
            return r.structured_content

        ok = await validate(
            "INSERT OVERWRITE TABLE reports.restaurants "
            "SELECT id, name, start_date FROM reports.restaurants WHERE id = 1"
        )
        assert ok["valid"] is True and ok["findings"] == [], ok
        assert ok["validated_part"] == "query of INSERT OVERWRITE"
        assert ok["validated_sql"] == "SELECT id, name, start_date FROM reports.restaurants WHERE id = 1"
        part = await validate(
            "INSERT OVERWRITE TABLE reports.daily_orders PARTITION (ds='2024-07-01') "
            "SELECT order_id, amount FROM reports.daily_orders WHERE ds = DATE'2024-06-30'"
        )
        assert part["valid"] is True and part["findings"] == [], part
        short = await validate("INSERT INTO reports.restaurants SELECT id, name FROM reports.restaurants")
        assert short["valid"] is False
        assert short["findings"] == ["target reports.restaurants has 3 columns, query produces 2"]
        swapped = await validate("INSERT INTO reports.restaurants SELECT name, id, start_date FROM reports.restaurants")
        assert swapped["valid"] is False and "another order" in swapped["findings"][0]
        broken = await validate("INSERT INTO reports.restaurants SELECT r.open_date FROM reports.restaurants r")
        assert broken["error"]["name"] == "UNRESOLVED_COLUMN.WITH_SUGGESTION" and broken["valid"] is False
        assert {"fqn": "reports.restaurants", "column": "open_date"} in [s["arguments"] for s in broken["next_steps"]]
        ctas = await validate("CREATE TABLE reports.restaurants_copy AS SELECT * FROM reports.restaurants")
        assert ctas["valid"] is True and ctas["validated_part"] == "query of CREATE TABLE AS"
        exists = await validate("CREATE TABLE reports.restaurants AS SELECT * FROM reports.restaurants")
        assert exists["findings"] == ["target table reports.restaurants already exists"]
        merge = await validate(
            "MERGE INTO reports.restaurants t USING reports.daily_orders s ON t.id = s.order_id "
            "WHEN MATCHED THEN DELETE"
        )
        assert merge["validated_sql"] == "SELECT * FROM reports.daily_orders" and merge["valid"] is True
        values = await validate("INSERT INTO reports.restaurants VALUES (9, 'Z')")
        assert values["validated_part"].startswith("nothing: INSERT INTO") and values["validated_sql"] is None
        assert values["findings"] == ["target reports.restaurants has 3 columns, VALUES rows have 2"]
        nowhere = await validate("INSERT INTO reports.nope SELECT * FROM reports.restaurants")
        assert nowhere["findings"] == ["target table reports.nope does not exist"]
        assert nowhere["next_steps"][0]["arguments"] == {"query": "nope"}
        file_read = await c.call_tool(
            "validate_sql", {"sql": "INSERT INTO reports.restaurants SELECT * FROM text.`/etc/passwd`"}
        )
        assert file_read.is_error and "refused by the read-only guard" in tool_text(file_read)
        for tool in ("run_query", "explain"):
            r = await c.call_tool(tool, {"sql": "INSERT INTO reports.restaurants SELECT * FROM reports.restaurants"})
            assert r.is_error and "refused" in tool_text(r), tool_text(r)
        gone = await c.call_tool("describe_table", {"table": "reports.restaurants_copy"})
        assert gone.is_error and "TABLE_OR_VIEW_NOT_FOUND" in tool_text(gone)
        rows = await c.call_tool("run_query", {"sql": "SELECT count(*) FROM reports.restaurants"})
        assert rows.structured_content["rows"] == [[3]]
        orders = await c.call_tool("run_query", {"sql": "SHOW PARTITIONS reports.daily_orders"})
        assert orders.structured_content["rows"] == [["ds=2024-06-29"], ["ds=2024-06-30"]]
    assert _files(restaurants) == before


ALIAS_FILE_READS = [
    "SELECT * FROM lake.parquet.`/etc/passwd`",
    "SELECT * FROM lake.text.`/etc/passwd`",
    "SELECT * FROM lake.`text`.`/etc/passwd`",
    "SELECT * FROM parquet.`/etc/passwd`",
    "SELECT * FROM lake.reports.`/etc/passwd`",
    "SELECT * FROM lake.reports.restaurants WHERE id IN (SELECT length(value) FROM lake.text.`/etc/passwd`)",
    "DESCRIBE lake.text.`/etc/passwd`",
    "EXPLAIN SELECT * FROM lake.json.`/etc/passwd`",
]


async def test_local_session_catalog_alias_runs_on_spark_catalog_in_every_tool(spark_warehouse: Path) -> None:
    """SQL shared with Trino names `lake.reports.restaurants`; with the alias it runs as spark_catalog's table in
    every tool, results and next steps name the table as written, and each next step runs."""
    restaurants = spark_warehouse / "reports" / "restaurants"
    before = _files(restaurants)
    async with Client(build_server(local_settings(spark_warehouse, spark_session_catalog_aliases=["lake"])).mcp) as c:
        sql = "SELECT lake.reports.restaurants.id, name FROM lake.reports.restaurants ORDER BY id"
        r = (await c.call_tool("run_query", {"sql": sql, "max_rows": 2})).structured_content
        assert r["rows"] == [[1, "Chez A"], [2, "B Bistro"]], r
        assert r["sql_run"] == (
            "SELECT spark_catalog.reports.restaurants.id, name FROM spark_catalog.reports.restaurants ORDER BY id "
            "LIMIT 3"
        )
        more = (await c.call_tool("run_query", {"sql": sql, "max_rows": 2, "cursor": "2"})).structured_content
        assert more["rows"] == [[3, "C Cafe"]], more
        for show, rows in (
            ("SHOW PARTITIONS lake.reports.daily_orders", [["ds=2024-06-29"], ["ds=2024-06-30"]]),
            ("SHOW COLUMNS FROM lake.reports.restaurants", [["id"], ["name"], ["start_date"]]),
        ):
            got = (await c.call_tool("run_query", {"sql": show})).structured_content
            assert got["rows"] == rows and "spark_catalog.reports." in got["sql_run"], got

        bad = (await c.call_tool("validate_sql", {"sql": BAD.replace("reports.", "lake.reports.")})).structured_content
        assert bad["valid"] is False and bad["error"]["name"] == "UNRESOLVED_COLUMN.WITH_SUGGESTION"
        assert bad["checked_sql"] == "SELECT r.open_date FROM spark_catalog.reports.restaurants AS r"
        calls = {(s["server"], s["tool"]): s["arguments"] for s in assert_steps_runnable(bad)}
        assert calls[("openmetadata", "schema_history")] == {"fqn": "reports.restaurants", "column": "open_date"}
        good_sql = "SELECT r.start_date FROM lake.reports.restaurants r WHERE r.id > 1"
        good = (await c.call_tool("validate_sql", {"sql": good_sql})).structured_content
        assert good["valid"] is True, good
        (count,) = assert_steps_runnable(good)
        assert "FROM lake.reports.restaurants" in count["arguments"]["sql"]  # as the caller wrote it, and it runs
        ran = await c.call_tool("run_query", count["arguments"])
        assert ran.structured_content["rows"] == [[2]], tool_text(ran)

        missing = (await c.call_tool("validate_sql", {"sql": "SELECT * FROM lake.reports.nope"})).structured_content
        assert missing["error"]["name"] == "TABLE_OR_VIEW_NOT_FOUND"
        assert missing["error"]["message"].startswith(
            "lake.reports.nope is not a table of the Spark session catalog (read as spark_catalog.reports.nope)"
        )
        calls = {(s["server"], s["tool"]): s["arguments"] for s in assert_steps_runnable(missing)}
        assert calls[("lineage", "upstream")] == {"dataset": "lake.reports.nope"}

        fix = await c.call_tool(
            "validate_sql",
            {"sql": "INSERT INTO lake.reports.restaurants SELECT id, name FROM lake.reports.restaurants"},
        )
        assert fix.structured_content["findings"] == ["target lake.reports.restaurants has 3 columns, query produces 2"]
        plan = (
            await c.call_tool("explain", {"sql": "SELECT count(*) FROM lake.reports.restaurants"})
        ).structured_content
        assert "spark_catalog.reports.restaurants" in plan["plan"]

        d = (await c.call_tool("describe_table", {"table": "lake.reports.daily_orders"})).structured_content
        assert d["table"] == "lake.reports.daily_orders" and d["partition_columns"] == ["ds"]
        (fresh_step,) = assert_steps_runnable(d)
        assert fresh_step["arguments"] == {"table": "lake.reports.daily_orders", "engine": "spark"}
        f = (await c.call_tool("table_freshness", fresh_step["arguments"])).structured_content
        assert (f["table"], f["row_count"], f["latest_partition"]) == ("lake.reports.daily_orders", 5, "ds=2024-06-30")
        (late,) = assert_steps_runnable(f)
        assert late["arguments"] == {"dataset": "lake.reports.daily_orders"}

        other = await c.call_tool("run_query", {"sql": "SELECT * FROM shop.reports.restaurants"})
        assert other.is_error and "catalog 'shop': only the session catalog (spark_catalog)" in tool_text(other)
        for sql in ALIAS_FILE_READS:
            for tool in ("run_query", "validate_sql", "explain"):
                r2 = await c.call_tool(tool, {"sql": sql})
                assert r2.is_error and "refused by the read-only guard" in tool_text(r2), (tool, sql, tool_text(r2))
                assert "root:" not in tool_text(r2)
    assert _files(restaurants) == before


async def test_local_session_catalog_alias_keeps_the_schema_allowlist_and_the_plan_check(
    spark_warehouse: Path, tmp_path: Path
) -> None:
    """The alias only renames the catalog: the schema allowlist and the analyzed-plan check judge the statement
    that runs, so a schema outside the allowlist, a view over it and a global temp view over files stay refused."""
    settings = local_settings(
        spark_warehouse, allowed_schemas=["default", "global_temp"], spark_session_catalog_aliases=["lake"]
    )
    server = build_server(settings)
    session = server.service.engines["spark"].session()  # type: ignore[attr-defined]
    secret = tmp_path / "secret.txt"
    secret.write_text("AKIAIOSFODNN7EXAMPLE\n")
    session.read.text(str(secret)).createOrReplaceGlobalTempView("alias_leak")
    session.sql("CREATE OR REPLACE VIEW default.alias_view AS SELECT * FROM reports.restaurants")
    try:
        async with Client(server.mcp) as c:
            r = await c.call_tool("run_query", {"sql": "SELECT * FROM lake.reports.restaurants"})
            assert r.is_error and "schema 'reports' of lake.reports.restaurants is not in the allowlist" in tool_text(r)
            r = await c.call_tool("describe_table", {"table": "lake.reports.restaurants"})
            assert r.is_error and "not in the allowlist" in tool_text(r), tool_text(r)
            r = await c.call_tool("run_query", {"sql": "SELECT * FROM lake.default.alias_view"})
            assert r.is_error and "outside the allowed schemas" in tool_text(r), tool_text(r)
            for sql, why in (
                ("SELECT * FROM lake.global_temp.alias_leak", "is not a table of the Spark session catalog"),
                ("SELECT * FROM global_temp.alias_leak", "no catalog table"),
            ):
                r = await c.call_tool("run_query", {"sql": sql})
                assert r.is_error and why in tool_text(r) and "AKIA" not in tool_text(r), tool_text(r)
            ok = await c.call_tool("run_query", {"sql": "SELECT 1 AS one"})
            assert ok.structured_content["rows"] == [[1]]
    finally:
        session.sql("DROP VIEW IF EXISTS default.alias_view")
        session.catalog.dropGlobalTempView("alias_leak")
