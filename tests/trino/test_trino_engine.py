"""Against a real Trino server (memory + tpch): tools, limits, cancellation, and the guard proven on the engine."""

from __future__ import annotations

import time

import pytest
from mcp import Client

from oncall_mcp.servers.trino.errors import QueryFailed
from oncall_mcp.servers.trino.server import build_server
from oncall_mcp.servers.trino.settings import TrinoSettings
from oncall_mcp.servers.trino.trino_backend import TrinoEngine
from tests.nextsteps import assert_steps_runnable
from tests.trino.corpus import allow_cases, refuse_cases
from tests.trino.trinoserver import TrinoServer

pytestmark = pytest.mark.engine


CORPUS_ALLOWLISTS = {"allowed_catalogs": ["tpch", "memory"], "allowed_schemas": ["tpch.tiny", "memory.default"]}


def settings_for(trino: TrinoServer, **extra: object) -> TrinoSettings:
    return TrinoSettings(host=trino.host, port=trino.port, spark_mode="off", **extra)


def wait_state(trino: TrinoServer, query_id: str, timeout: float = 20) -> list[object]:
    deadline = time.monotonic() + timeout
    while True:
        rows = trino.query(f"SELECT state, error_code FROM system.runtime.queries WHERE query_id = '{query_id}'")
        if rows and rows[0][0] not in (
            "RUNNING",
            "QUEUED",
            "PLANNING",
            "STARTING",
            "DISPATCHING",
            "WAITING_FOR_RESOURCES",
        ):
            return rows[0]
        if time.monotonic() > deadline:
            return rows[0] if rows else []
        time.sleep(0.3)


async def test_run_query_rows_limits_and_query_id(trino_server: TrinoServer) -> None:
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        r = await c.call_tool("run_query", {"sql": "SELECT name FROM tpch.tiny.nation ORDER BY name", "max_rows": 5})
        sc = r.structured_content
        assert not r.is_error, r.content
        assert sc["columns"] == [{"name": "name", "type": "varchar(25)", "comment": None}]
        assert [row[0] for row in sc["rows"]] == ["ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "CHINA"]
        cut = sc["truncation"]
        assert cut["truncated"] and cut["reason"] == "limit" and "max_rows=5" in cut["how_to_get_more"]
        assert cut["next_cursor"] == "5"
        page = await c.call_tool(
            "run_query", {"sql": "SELECT name FROM tpch.tiny.nation ORDER BY name", "max_rows": 5, "cursor": "5"}
        )
        assert [row[0] for row in page.structured_content["rows"]] == [
            "EGYPT",
            "ETHIOPIA",
            "FRANCE",
            "GERMANY",
            "INDIA",
        ]
        assert page.structured_content["truncation"]["next_cursor"] == "10"
        assert sc["query_id"] and sc["sql_run"].endswith("LIMIT 6")
        r = await c.call_tool("run_query", {"sql": "SELECT count(*) AS n FROM tpch.tiny.nation"})
        assert r.structured_content["rows"] == [[25]] and not r.structured_content["truncation"]["truncated"]


async def test_huge_result_is_bounded_and_the_engine_query_cancelled(trino_server: TrinoServer) -> None:
    s = settings_for(trino_server, max_bytes=50_000)
    async with Client(build_server(s).mcp) as c:
        r = await c.call_tool("run_query", {"sql": "SELECT * FROM tpch.sf1.lineitem", "max_rows": 10_000})
        sc = r.structured_content
        assert sc["truncation"]["truncated"] and sc["truncation"]["reason"] in ("size", "budget"), sc["truncation"]
        assert len(str(sc["rows"])) < 60_000
        # the engine stops: the query ends (cancelled or finished early), it does not scan all of sf1
        state = wait_state(trino_server, sc["query_id"])
        assert state and state[0] in ("FAILED", "FINISHED"), state


async def test_slow_query_times_out_and_is_cancelled_on_the_engine(trino_server: TrinoServer) -> None:
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        start = time.perf_counter()
        r = await c.call_tool(
            "run_query", {"sql": "SELECT count(*) FROM tpch.sf1000.lineitem WHERE comment LIKE '%x%'", "timeout_s": 2}
        )
        took = time.perf_counter() - start
        text = r.content[0].text  # type: ignore[union-attr]
        assert r.is_error and "timeout_s=2" in text and "cancelled" in text, text
        assert took < 15, took
        qid = text.split("(query ")[1].split(")")[0]
        state = wait_state(trino_server, qid)
        assert state[0] == "FAILED", state
        ok = await c.call_tool("run_query", {"sql": "SELECT 1"})
        assert not ok.is_error


async def test_validate_sql_surfaces_the_exact_trino_error(trino_server: TrinoServer) -> None:
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        bad = await c.call_tool(
            "validate_sql", {"sql": "SELECT r.id,\n       r.open_date\nFROM memory.default.restaurants r"}
        )
        sc = bad.structured_content
        assert sc["valid"] is False
        assert sc["error"]["name"] == "COLUMN_NOT_FOUND"
        assert sc["error"]["message"] == "line 2:8: Column 'r.open_date' cannot be resolved"
        assert (sc["error"]["line"], sc["error"]["column"]) == (2, 8)
        good = await c.call_tool(
            "validate_sql", {"sql": "SELECT r.id,\n       r.start_date\nFROM memory.default.restaurants r"}
        )
        assert good.structured_content["valid"] is True and good.structured_content["error"] is None
        assert [c["name"] for c in good.structured_content["output_columns"]] == ["id", "start_date"]


async def test_describe_freshness_explain(trino_server: TrinoServer) -> None:
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        d = await c.call_tool("describe_table", {"table": "memory.default.restaurants"})
        assert [(x["name"], x["type"]) for x in d.structured_content["columns"]] == [
            ("id", "integer"),
            ("name", "varchar(8)"),
            ("start_date", "date"),
        ]
        f = await c.call_tool("table_freshness", {"table": "memory.default.restaurants"})
        assert f.structured_content["row_count"] == 3
        assert f.structured_content["timestamp_column"] == "start_date"
        assert f.structured_content["max_timestamp"] == "2024-06-30"
        missing = await c.call_tool("table_freshness", {"table": "memory.default.restaurants", "timestamp_column": "x"})
        assert missing.is_error and "start_date" in missing.content[0].text  # type: ignore[union-attr]
        e = await c.call_tool("explain", {"sql": "SELECT count(*) FROM tpch.tiny.orders"})
        assert "Aggregate" in e.structured_content["plan"]
        nt = await c.call_tool("describe_table", {"table": "memory.default.nope"})
        assert nt.is_error and "TABLE_NOT_FOUND" in nt.content[0].text  # type: ignore[union-attr]


async def test_recent_queries_lists_failures_with_error_codes(trino_server: TrinoServer) -> None:
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        await c.call_tool("run_query", {"sql": "SELECT open_date FROM memory.default.restaurants"})
        r = await c.call_tool("recent_queries", {"state": "FAILED", "limit": 50})
        events = r.structured_content["events"]
        assert r.structured_content["source"] == "system.runtime.queries"
        hit = [e for e in events if "open_date" in (e["detail"] or "")]
        assert hit and hit[0]["error"] == "USER_ERROR: COLUMN_NOT_FOUND" and hit[0]["state"] == "FAILED"
        mine = await c.call_tool("recent_queries", {"state": "ALL", "user": "nobody-else", "limit": 5})
        assert mine.structured_content["events"] == []
        first = (await c.call_tool("recent_queries", {"state": "ALL", "limit": 1})).structured_content
        assert len(first["events"]) == 1 and first["truncation"]["reason"] == "limit"
        assert first["truncation"]["next_cursor"] == "1"
        second = await c.call_tool("recent_queries", {"state": "ALL", "limit": 1, "cursor": "1"})
        assert len(second.structured_content["events"]) == 1  # the list moves on between calls: ids may shift


async def test_every_corpus_read_runs_on_real_trino(trino_server: TrinoServer) -> None:
    cases = allow_cases("trino")
    failures = []
    async with Client(build_server(settings_for(trino_server, **CORPUS_ALLOWLISTS)).mcp) as c:
        for case in cases:
            r = await c.call_tool("run_query", {"sql": case.sql, "max_rows": 5, "timeout_s": 60})
            if r.is_error:
                failures.append(f"{case}: {r.content[0].text[:200]}")  # type: ignore[union-attr]
    assert not failures, "\n".join(failures)


async def test_refused_statements_never_reach_the_engine(trino_server: TrinoServer) -> None:
    """Every must-refuse Trino statement goes through run_query, explain and validate_sql: run_query and explain
    refuse them all; validate_sql refuses them or (a write with a readable query part) validates that query part
    only. system.runtime.queries shows no write and nothing from run_query/explain."""
    started = trino_server.query("SELECT CAST(current_timestamp AS VARCHAR)")[0][0]
    cases = [c for c in refuse_cases() if c.engine == "trino"]
    validated_writes = 0
    async with Client(build_server(settings_for(trino_server, **CORPUS_ALLOWLISTS)).mcp) as c:
        for case in cases:
            for tool in ("run_query", "explain"):
                r = await c.call_tool(tool, {"sql": case.sql})
                assert r.is_error and "refused by the read-only guard" in r.content[0].text, case  # type: ignore[union-attr]
            r = await c.call_tool("validate_sql", {"sql": case.sql})
            if r.is_error:
                assert "refused by the read-only guard" in r.content[0].text, case  # type: ignore[union-attr]
            else:
                validated_writes += 1
                assert r.structured_content["validated_part"] != "query", case
    sent = trino_server.query(
        "SELECT query FROM system.runtime.queries WHERE source = 'oncall-mcp' "
        f"AND created >= CAST('{started}' AS TIMESTAMP WITH TIME ZONE)"
    )
    reads = ("EXPLAIN (TYPE VALIDATE) ", "SELECT * FROM (", "DESCRIBE ", "START TRANSACTION READ ONLY", "ROLLBACK")
    assert all(str(q[0]).startswith(reads) for q in sent), [q[0] for q in sent if not str(q[0]).startswith(reads)]
    assert validated_writes >= 5
    tables = trino_server.query("SHOW TABLES FROM memory.default")
    assert tables == [["restaurants"]]


async def test_validate_sql_next_steps(trino_server: TrinoServer) -> None:
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        bad = await c.call_tool(
            "validate_sql", {"sql": "SELECT r.id, r.open_date FROM memory.default.restaurants r WHERE r.id > 1"}
        )
        steps = assert_steps_runnable(bad.structured_content)
        calls = {(s["server"], s["tool"]): s["arguments"] for s in steps}
        target = {"fqn": "memory.default.restaurants", "column": "open_date"}
        assert calls[("openmetadata", "schema_history")] == target
        assert calls[("openmetadata", "suggest_columns")] == target
        assert calls[("trino", "describe_table")] == {"table": "memory.default.restaurants", "engine": "trino"}
        missing = await c.call_tool("validate_sql", {"sql": "SELECT * FROM memory.default.gone"})
        assert missing.structured_content["error"]["name"] == "TABLE_NOT_FOUND"
        calls = {(s["server"], s["tool"]): s["arguments"] for s in assert_steps_runnable(missing.structured_content)}
        assert calls == {
            ("openmetadata", "search_tables"): {"query": "gone"},
            ("lineage", "upstream"): {"dataset": "memory.default.gone"},
        }
        good = await c.call_tool(
            "validate_sql", {"sql": "SELECT r.id, r.start_date FROM memory.default.restaurants r WHERE r.id > 1"}
        )
        (count,) = assert_steps_runnable(good.structured_content)
        assert count["priority"] == 3
        ran = await c.call_tool(count["tool"], count["arguments"])
        assert ran.structured_content["rows"] == [[2]]
        d = await c.call_tool("describe_table", {"table": "memory.default.restaurants"})
        assert [s["tool"] for s in assert_steps_runnable(d.structured_content)] == ["table_freshness"]
        f = await c.call_tool("table_freshness", {"table": "memory.default.restaurants"})
        fsc = f.structured_content
        assert fsc["stale"] is True and fsc["latest_partition"] is None and "table$partitions" in fsc["note"]
        assert assert_steps_runnable(fsc)[0]["arguments"] == {"dataset": "memory.default.restaurants"}


async def test_validate_sql_of_a_write_never_sends_the_write(trino_server: TrinoServer) -> None:
    started = trino_server.query("SELECT CAST(current_timestamp AS VARCHAR)")[0][0]
    async with Client(build_server(settings_for(trino_server)).mcp) as c:
        ok = await c.call_tool(
            "validate_sql",
            {"sql": "INSERT INTO memory.default.restaurants SELECT id + 10, name, start_date FROM "
             "memory.default.restaurants"},
        )  # fmt: skip
        sc = ok.structured_content
        assert sc["valid"] is True and sc["validated_part"] == "query of INSERT INTO", sc
        assert sc["validated_sql"] == "SELECT id + 10, name, start_date FROM memory.default.restaurants"
        short = await c.call_tool(
            "validate_sql", {"sql": "INSERT INTO memory.default.restaurants SELECT id FROM memory.default.restaurants"}
        )
        assert short.structured_content["findings"] == [
            "target memory.default.restaurants has 3 columns, query produces 1"
        ]
        ctas = await c.call_tool("validate_sql", {"sql": "CREATE TABLE memory.default.copy AS SELECT 1 AS a"})
        assert ctas.structured_content["valid"] is True
        merge = await c.call_tool(
            "validate_sql",
            {"sql": "MERGE INTO memory.default.restaurants t USING (SELECT 1 AS id) s ON t.id = s.id "
             "WHEN MATCHED THEN DELETE"},
        )  # fmt: skip
        assert merge.structured_content["validated_sql"] == "SELECT 1 AS id"
    sent = trino_server.query(
        "SELECT query FROM system.runtime.queries WHERE source = 'oncall-mcp' "
        f"AND created >= CAST('{started}' AS TIMESTAMP WITH TIME ZONE)"
    )
    assert sent, "the validations reached Trino"
    writes = [q[0] for q in sent if any(w in str(q[0]).upper() for w in ("INSERT", "CREATE", "MERGE"))]
    assert writes == []
    assert trino_server.query("SELECT count(*) FROM memory.default.restaurants") == [[3]]
    assert trino_server.query("SHOW TABLES FROM memory.default") == [["restaurants"]]


def test_read_only_transaction_is_a_second_wall(trino_server: TrinoServer) -> None:
    """Even a write that got past the guard is refused by Trino itself inside START TRANSACTION READ ONLY."""
    engine = TrinoEngine(settings_for(trino_server))
    with pytest.raises(QueryFailed) as err:
        engine.run("CREATE TABLE memory.default.evil AS SELECT 1 AS a", 10, 10_000, 30, None)
    assert err.value.error.name == "READ_ONLY_VIOLATION"
    assert trino_server.query("SHOW TABLES FROM memory.default") == [["restaurants"]]


async def test_impersonation_runs_as_the_authenticated_http_caller(trino_server: TrinoServer) -> None:
    import httpx2
    import jwt
    from mcp.client.streamable_http import streamable_http_client

    from tests.harness import http_server

    secret = "impersonation-test-secret-0123456789abcdef"
    env = {
        **trino_server.env(),
        "OCM_TRINO_IMPERSONATE": "true",
        "OCM_TRINO_AUTH_JWT_SECRET": secret,
        "OCM_TRINO_AUTH_JWT_AUDIENCE": "oncall-trino",
        "OCM_TRINO_AUTH_JWT_ISSUER": "https://idp.example",
    }

    def bearer(sub: str) -> str:
        claims = {"sub": sub, "aud": "oncall-trino", "iss": "https://idp.example", "exp": int(time.time()) + 600}
        return jwt.encode(claims, secret, algorithm="HS256")

    with http_server("oncall_mcp.servers.trino", env) as url:
        # a caller whose name starts with "local" is impersonated like any other authenticated caller
        for sub in ("alice", "localadmin", "local"):
            async with (
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer(sub)}"}, timeout=60) as http,
                Client(streamable_http_client(url, http_client=http)) as c,
            ):
                r = await c.call_tool("run_query", {"sql": "SELECT current_user"})
                assert r.structured_content["rows"] == [[sub]], r
    # in-process (no authenticated identity, as over stdio) the service user runs the query
    async with Client(build_server(settings_for(trino_server, impersonate=True)).mcp) as c:
        r = await c.call_tool("run_query", {"sql": "SELECT current_user"})
        assert r.structured_content["rows"] == [["oncall-mcp"]], r
    # without impersonation the service user runs the query
    env.pop("OCM_TRINO_IMPERSONATE")
    with http_server("oncall_mcp.servers.trino", env) as url:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer('alice')}"}, timeout=60) as http,
            Client(streamable_http_client(url, http_client=http)) as c,
        ):
            r = await c.call_tool("run_query", {"sql": "SELECT current_user"})
            assert r.structured_content["rows"] == [["oncall-mcp"]], r
