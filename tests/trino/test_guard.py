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
