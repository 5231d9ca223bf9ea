"""The read-only guard against the corpus: every must-refuse statement refused, every diagnostic read allowed."""

from __future__ import annotations

import sys

from oncall_mcp.servers.trino.guard import Allowlist, check
from tests.trino.corpus import ALLOWLISTS, allow_cases, refuse_cases


def test_corpus_refuses_every_write_and_bypass() -> None:
    cases = refuse_cases()
    missed = [str(c) for c in cases if check(c.sql, c.engine, ALLOWLISTS[c.engine], 100).allowed]
    sys.stderr.write(f"\nguard corpus: {len(cases)} must-refuse statements, {len(missed)} let through\n")
    assert len(cases) >= 150
    assert not missed, "statements the guard let through:\n" + "\n".join(missed)


def test_corpus_allows_every_diagnostic_read() -> None:
    cases = allow_cases()
    wrong = []
    for c in cases:
        result = check(c.sql, c.engine, ALLOWLISTS[c.engine], 100)
        if not result.allowed:
            wrong.append(f"{c}: {result.reason}")
    sys.stderr.write(f"\nguard corpus: {len(cases)} legitimate reads, {len(wrong)} wrongly refused\n")
    assert len(cases) >= 100
    assert not wrong, "reads the guard refused:\n" + "\n".join(wrong)


def test_refusal_names_the_reason_and_statement_type() -> None:
    r = check("WITH a AS (DELETE FROM t) SELECT 1", "trino")
    assert not r.allowed and "DELETE" in r.reason and r.rewritten_sql is None
    r = check("EXPLAIN ANALYZE SELECT 1", "trino")
    assert not r.allowed and r.statement_type == "EXPLAIN" and "ANALYZE" in r.reason
    r = check("SELECT 1; SELECT 2", "trino")
    assert not r.allowed and "multiple statements" in r.reason
    r = check("SELECT * FROM system.metadata.catalogs", "trino")
    assert not r.allowed and "system" in r.reason


def test_rewrite_adds_a_row_limit_and_reports_tables() -> None:
    r = check("SELECT n_name FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON true", "trino", max_rows=50)
    assert r.allowed and r.statement_type == "SELECT"
    assert r.tables == ["tpch.tiny.nation", "tpch.tiny.region"]
    assert r.rewritten_sql is not None and r.rewritten_sql.endswith("LIMIT 51")
    # a smaller limit is kept, a larger one is capped
    assert check("SELECT 1 LIMIT 3", "trino", max_rows=50).rewritten_sql == "SELECT 1 LIMIT 3"
    assert check("SELECT 1 LIMIT 5000", "trino", max_rows=50).rewritten_sql.endswith("LIMIT 51")  # type: ignore[union-attr]
    # comments do not reach the engine
    r = check("SELECT 1 /* hello */ -- there", "trino", max_rows=10)
    assert r.rewritten_sql == "SELECT 1 LIMIT 11"


def test_cte_names_are_not_tables_but_qualified_names_are() -> None:
    allow = Allowlist(catalogs=frozenset({"tpch"}))
    assert check("WITH x AS (SELECT 1 AS a) SELECT * FROM x", "trino", allow).allowed
    assert not check("WITH x AS (SELECT 1 AS a) SELECT * FROM hive.s.x", "trino", allow).allowed


def test_unqualified_tables_resolve_against_the_default_catalog() -> None:
    allow = Allowlist(catalogs=frozenset({"tpch"}), default_catalog="tpch", default_schema="tiny")
    assert check("SELECT * FROM nation", "trino", allow).allowed
    assert not check("SELECT * FROM nation", "trino", Allowlist(catalogs=frozenset({"tpch"}))).allowed
    system_default = Allowlist(default_catalog="system", default_schema="metadata")
    assert not check("SELECT * FROM catalogs", "trino", system_default).allowed


LAKE = Allowlist(default_schema="default", session_catalog_aliases=frozenset({"lake"}))


def test_a_session_catalog_alias_is_renamed_in_the_tree_that_runs() -> None:
    sql = (
        "SELECT lake.reports.restaurants.name, 'lake.reports.x' AS literal, lake.id "
        "FROM LAKE.reports.restaurants JOIN reports.orders AS lake ON true"
    )
    r = check(sql, "spark", LAKE, 10)
    assert r.allowed, r.reason
    assert r.rewritten_sql == (
        "SELECT spark_catalog.reports.restaurants.name, 'lake.reports.x' AS literal, lake.id "
        "FROM spark_catalog.reports.restaurants JOIN reports.orders AS lake ON TRUE LIMIT 11"
    )  # the literal and the table alias named lake are untouched: names are renamed on the tree, not in the text
    assert (
        r.query_sql is not None
        and "LAKE" not in r.query_sql
        and "FROM spark_catalog.reports.restaurants" in r.query_sql
    )
    assert r.tables == ["reports.orders", "spark_catalog.reports.restaurants"]
    assert r.written_tables == {"spark_catalog.reports.restaurants": "LAKE.reports.restaurants"}
    assert r.reason == "single read statement; catalog 'lake' is read as Spark's session catalog spark_catalog"
    for stmt, runs in [
        ("DESCRIBE lake.reports.t", "DESCRIBE spark_catalog.reports.t"),
        ("EXPLAIN SELECT * FROM lake.reports.t", "EXPLAIN SELECT * FROM spark_catalog.reports.t"),
        ("SHOW COLUMNS FROM `lake`.reports.t", "SHOW COLUMNS FROM spark_catalog.reports.t"),
        ("SHOW PARTITIONS lake.reports.t", "SHOW PARTITIONS spark_catalog.reports.t"),
        ("SHOW CREATE TABLE lake.reports.t", "SHOW CREATE TABLE spark_catalog.reports.t"),
        ("SHOW TABLES IN lake.reports", "SHOW TABLES IN spark_catalog.reports"),
        ("SHOW SCHEMAS IN lake", "SHOW SCHEMAS IN spark_catalog"),
        ("SHOW TABLES IN reports LIKE 'lake.*'", "SHOW TABLES IN reports LIKE 'lake.*'"),
        ("SELECT * FROM spark_catalog.reports.t", "SELECT * FROM spark_catalog.reports.t"),
    ]:
        got = check(stmt, "spark", LAKE)
        assert got.allowed and got.rewritten_sql == runs, (stmt, got.reason, got.rewritten_sql)
    # Trino has catalogs of its own: the alias means nothing there
    assert check("SELECT * FROM lake.reports.t", "trino", LAKE).rewritten_sql == "SELECT * FROM lake.reports.t"


def test_a_session_catalog_alias_never_widens_what_can_be_read() -> None:
    refused = {
        "SELECT * FROM other.reports.t": "catalog 'other': only the session catalog (spark_catalog) is queried "
        "(also named lake here)",
        "SELECT * FROM lake.parquet.`/etc/passwd`": "'/etc/passwd' is not a plain table",
        "SELECT * FROM lake.parquet.x": "'parquet' names a Spark data source",
        "SELECT * FROM lake.`text`.`/etc/passwd`": "'/etc/passwd' is not a plain table",
        "SELECT * FROM parquet.`/etc/passwd`": "'/etc/passwd' is not a plain table",
        "SELECT * FROM lake.a.b.c": "table functions are not allowed",
        "DESCRIBE lake.text.`/etc/passwd`": "'/etc/passwd' is not a plain table",
        "EXPLAIN SELECT * FROM lake.json.`/etc/passwd`": "'/etc/passwd' is not a plain table",
        "SHOW COLUMNS FROM lake.csv.x": "'csv' names a Spark data source",
    }
    for sql, reason in refused.items():
        r = check(sql, "spark", LAKE)
        assert not r.allowed and reason in r.reason, (sql, r.reason)
    # without aliases the refusal reads exactly as before
    assert check("SELECT * FROM lake.reports.t", "spark").reason == (
        "catalog 'lake': only the session catalog (spark_catalog) is queried"
    )
    # the schema allowlist applies to the table that runs, and the refusal names it as written
    narrow = Allowlist(
        schemas=frozenset({"default"}), default_schema="default", session_catalog_aliases=LAKE.session_catalog_aliases
    )
    r = check("SELECT * FROM lake.reports.t", "spark", narrow)
    assert not r.allowed and r.reason == "schema 'reports' of lake.reports.t is not in the allowlist"
    assert not check("SHOW TABLES IN lake.reports", "spark", narrow).allowed
    assert (
        check("SELECT * FROM lake.default.t", "spark", narrow).rewritten_sql == "SELECT * FROM spark_catalog.default.t"
    )
    # an alias the settings would refuse is never honoured, even if an Allowlist is built by hand
    unsafe = Allowlist(session_catalog_aliases=frozenset({"parquet", "system", "text"}))
    for sql in ("SELECT * FROM parquet.a.b", "SELECT * FROM system.a.b", "SHOW SCHEMAS IN text"):
        r = check(sql, "spark", unsafe)
        assert "spark_catalog" not in (r.rewritten_sql or ""), (sql, r.rewritten_sql)
