"""The SQL service behind the tools: guard first, then the engine, then bound and shape the answer."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlglot import exp
from sqlglot.errors import SqlglotError

from oncall_mcp.servers.trino.engine import Engine
from oncall_mcp.servers.trino.errors import EngineUnavailable, PlanRefused, QueryFailed, QueryTimeout
from oncall_mcp.servers.trino.guard import Allowlist, GuardResult, check
from oncall_mcp.servers.trino.models import (
    CheckSqlResult,
    DescribeResult,
    EngineError,
    ExplainResult,
    FreshnessResult,
    QueryResult,
    RecentQueriesResult,
    ValidateResult,
)
from oncall_mcp.servers.trino.settings import TrinoSettings
from oncall_mcp.shared.auth import authenticated_caller
from oncall_mcp.shared.budget import clip, estimate_tokens, fit
from oncall_mcp.shared.errors import ToolError

TIME_TYPES = ("timestamp", "date")
_IDENT = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"|`[^`]+`)'
TABLE_RE = re.compile(rf"^{_IDENT}(?:\.{_IDENT}){{0,2}}$")
TIME_NAME_HINTS = re.compile(r"(updated|modified|loaded|ingested|created|event|_at$|_ts$|time|date|^dt$|^ds$)", re.I)


def build_engines(settings: TrinoSettings) -> dict[str, Engine]:
    engines: dict[str, Engine] = {}
    if settings.trino_enabled:
        from oncall_mcp.servers.trino.trino_backend import TrinoEngine

        engines["trino"] = TrinoEngine(settings)
    if settings.effective_spark_mode != "off":
        from oncall_mcp.servers.trino.spark_backend import SparkEngine

        engines["spark"] = SparkEngine(settings)
    return engines


class SqlService:
    def __init__(self, settings: TrinoSettings, engines: dict[str, Engine], budget_tokens: int) -> None:
        self.settings = settings
        self.engines = engines
        self.budget_tokens = budget_tokens

    # -- helpers -----------------------------------------------------------------------------------------------
    def allowlist(self, engine: str) -> Allowlist:
        s = self.settings
        if engine == "trino":
            return Allowlist(
                frozenset(c.lower() for c in s.allowed_catalogs),
                frozenset(x.lower() for x in s.allowed_schemas),
                (s.default_catalog or "").lower() or None,
                (s.default_schema or "").lower() or None,
            )
        return Allowlist(frozenset(), frozenset(x.lower() for x in s.allowed_schemas), None, "default")

    def engine(self, name: str) -> Engine:
        if name not in self.engines:
            raise ToolError(f"engine {name!r} is not configured here; configured: {', '.join(self.engines)}")
        return self.engines[name]

    def guard(self, sql: str, engine: str, max_rows: int | None) -> GuardResult:
        """The parser allowlist, then (Spark) the engine's own view: every relation a catalog table."""
        result = self.parse_guard(sql, engine, max_rows)
        self._call(engine, self.plan_guard, engine, result)
        return result

    def parse_guard(self, sql: str, engine: str, max_rows: int | None) -> GuardResult:
        result = check(sql, engine, self.allowlist(engine), max_rows)
        if not result.allowed:
            raise ToolError(f"refused by the read-only guard: {result.reason}. Use check_sql to test a statement.")
        return result

    def plan_guard(self, engine: str, result: GuardResult) -> None:
        """Engines that expose their analyzed plan (Spark) check every relation in it before anything runs."""
        check_plan = getattr(self.engine(engine), "check_plan", None)
        if check_plan is None:
            return
        try:
            check_plan(result.tables, result.query_sql, self.timeout(60))
        except PlanRefused as exc:
            raise ToolError(
                f"refused by the read-only guard: {exc}. Only tables of the session catalog in the allowed schemas "
                "can be read."
            ) from None

    def user(self) -> str | None:
        """The Trino user to run as when impersonation is on: exactly the authenticated HTTP caller.

        A call with no authenticated identity (stdio, in-memory, HTTP without auth configured) runs as the service
        user; the decision rests on whether the call carries a verified bearer token, never on the caller's name."""
        if not self.settings.impersonate:
            return None
        return authenticated_caller()  # the token's caller exactly (an OAuth user may be called "local…")

    def _plan_error(self, engine: str, result: GuardResult) -> EngineError | None:
        try:
            self.plan_guard(engine, result)
        except QueryFailed as exc:
            return exc.error
        return None

    def timeout(self, timeout_s: float) -> float:
        return min(timeout_s, self.settings.max_timeout_s)

    def _call(self, engine: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except QueryTimeout as exc:
            qid = f" (query {exc.query_id})" if exc.query_id else ""
            raise ToolError(
                f"query exceeded timeout_s={exc.timeout_s:g} and was cancelled on {engine}{qid}; narrow it "
                "(filter a partition or date range, add LIMIT) or raise timeout_s"
            ) from None
        except QueryFailed as exc:
            e = exc.error
            where = f" at line {e.line}, column {e.column}" if e.line else ""
            raise ToolError(f"{engine} rejected the query{where}: {e.name}: {clip(e.message, 1500)}") from None
        except EngineUnavailable as exc:
            raise ToolError(f"{engine} is unavailable: {exc}. Retry later or use the other engine.") from None

    # -- tools ---------------------------------------------------------------------------------------------------
    def check_sql(self, sql: str, engine: str) -> CheckSqlResult:
        self.engine(engine)
        r = check(sql, engine, self.allowlist(engine), self.settings.max_rows)
        if r.too_large:
            raise ToolError(f"refused by the read-only guard: {r.reason}")
        return CheckSqlResult(
            engine=engine,
            allowed=r.allowed,
            reason=r.reason,
            statement_type=r.statement_type,
            tables=r.tables,
            rewritten_sql=r.rewritten_sql,
        )

    def run_query(self, sql: str, engine: str, max_rows: int, timeout_s: float) -> QueryResult:
        eng = self.engine(engine)
        max_rows = min(max_rows, self.settings.max_rows)
        guarded = self.guard(sql, engine, max_rows)
        assert guarded.rewritten_sql is not None
        start = time.perf_counter()
        raw = self._call(
            engine,
            eng.run,
            guarded.rewritten_sql,
            max_rows,
            self.settings.max_bytes,
            self.timeout(timeout_s),
            self.user(),
        )
        elapsed = round((time.perf_counter() - start) * 1000, 1)
        header = estimate_tokens(str([c.model_dump() for c in raw.columns])) + estimate_tokens(guarded.rewritten_sql)
        rows, budget = fit(
            raw.rows,
            max(200, self.budget_tokens - header - 150),
            how_to_get_more="select fewer columns, aggregate, or add WHERE/LIMIT/OFFSET to page",
        )
        truncated = raw.more or budget.truncated
        reason = raw.reason or (f"{budget.omitted} rows cut to fit the answer budget" if budget.truncated else None)
        return QueryResult(
            engine=engine,
            query_id=raw.query_id,
            columns=raw.columns,
            rows=rows,
            row_count=len(rows),
            truncated=truncated,
            truncation_reason=reason,
            elapsed_ms=elapsed,
            sql_run=guarded.rewritten_sql,
            budget=budget,
        )

    def validate_sql(self, sql: str, engine: str, timeout_s: float) -> ValidateResult:
        eng = self.engine(engine)
        guarded = self.parse_guard(sql, engine, None)
        if guarded.statement_type != "SELECT":
            raise ToolError(f"validate_sql checks queries; this is a {guarded.statement_type} statement")
        assert guarded.rewritten_sql is not None
        checked = guarded.original_sql if engine == "trino" else guarded.rewritten_sql
        missing = self._call(engine, self._plan_error, engine, guarded)
        if missing is not None:  # a table that does not exist is a validation result, not a tool error
            return ValidateResult(engine=engine, valid=False, error=missing, checked_sql=checked, output_columns=[])
        error, cols = self._call(
            engine, eng.validate, guarded.original_sql, guarded.rewritten_sql, self.timeout(timeout_s), self.user()
        )
        return ValidateResult(engine=engine, valid=error is None, error=error, checked_sql=checked, output_columns=cols)

    def explain(self, sql: str, engine: str, timeout_s: float) -> ExplainResult:
        eng = self.engine(engine)
        guarded = self.guard(sql, engine, None)
        if guarded.statement_type != "SELECT":
            raise ToolError(f"explain takes a query; this is a {guarded.statement_type} statement")
        assert guarded.rewritten_sql is not None
        plan = self._call(engine, eng.explain, guarded.rewritten_sql, self.timeout(timeout_s), self.user())
        max_chars = self.budget_tokens * 4 - 400
        return ExplainResult(engine=engine, plan=clip(plan, max_chars), truncated=len(plan) > max_chars)

    def _table(self, table: str, engine: str) -> exp.Table:
        dialect = "trino" if engine == "trino" else "spark"
        if not TABLE_RE.match(table.strip()):
            raise ToolError(f"not a table name: {table!r}; use catalog.schema.table (quote unusual names)")
        try:
            parsed = exp.to_table(table.strip(), dialect=dialect)
        except (SqlglotError, ValueError):
            raise ToolError(f"not a table name: {table!r}; use catalog.schema.table") from None
        if not isinstance(parsed.this, exp.Identifier) or parsed.sql(dialect=dialect) == "":
            raise ToolError(f"not a table name: {table!r}; use catalog.schema.table")
        return parsed

    def describe_table(self, table: str, engine: str) -> DescribeResult:
        eng = self.engine(engine)
        t = self._table(table, engine)
        dialect = "trino" if engine == "trino" else "spark"
        sql = f"DESCRIBE {t.sql(dialect=dialect)}"
        guarded = self.guard(sql, engine, None)
        raw = self._call(engine, eng.run, guarded.rewritten_sql, 2000, self.settings.max_bytes, 60.0, self.user())
        from oncall_mcp.servers.trino.models import ColumnInfo

        cols = []
        for r in raw.rows:
            name = str(r[0] or "")
            if not name or name.startswith("#"):
                if engine == "spark" and name.startswith("#"):
                    break  # Spark's "# Partition Information" section repeats partition columns
                continue
            comment = r[3] if engine == "trino" and len(r) > 3 else (r[2] if len(r) > 2 else None)
            cols.append(ColumnInfo(name=name, type=str(r[1]), comment=comment or None))
        kept, budget = fit(
            cols,
            self.budget_tokens - 100,
            lambda c: estimate_tokens(c.model_dump_json()),
            how_to_get_more="run_query SHOW COLUMNS ... LIKE 'prefix%' to page through columns",
        )
        return DescribeResult(engine=engine, table=t.sql(dialect=dialect), columns=kept, budget=budget)

    def table_freshness(
        self, table: str, engine: str, timestamp_column: str | None, timeout_s: float
    ) -> FreshnessResult:
        eng = self.engine(engine)
        dialect = "trino" if engine == "trino" else "spark"
        t = self._table(table, engine)
        name = t.sql(dialect=dialect)
        column = timestamp_column
        note = ""
        cols = self.describe_table(table, engine).columns
        names = {c.name.lower(): c for c in cols}
        if column:
            if column.lower() not in names:
                raise ToolError(f"column {column!r} not in {name}; columns: {', '.join(c.name for c in cols[:40])}")
        else:
            candidates = [c for c in cols if c.type.lower().startswith(TIME_TYPES)]
            candidates.sort(key=lambda c: (not TIME_NAME_HINTS.search(c.name), cols.index(c)))
            if candidates:
                column = candidates[0].name
                note = f"picked time column {column!r} (pass timestamp_column to choose another)"
        select = "count(*)"
        if column:
            select += (
                f", CAST(max({exp.to_identifier(column).sql(dialect=dialect)}) AS VARCHAR)"
                if engine == "trino"
                else f", CAST(max({exp.to_identifier(column).sql(dialect=dialect)}) AS STRING)"
            )
        guarded = self.guard(f"SELECT {select} FROM {name}", engine, 1)
        raw = self._call(engine, eng.run, guarded.rewritten_sql, 1, 100_000, self.timeout(timeout_s), self.user())
        row = raw.rows[0] if raw.rows else [None, None]
        latest_partition = None
        if not column:
            note = "no date/timestamp column found; row count only (pass timestamp_column if the time is a string)"
        return FreshnessResult(
            engine=engine,
            table=name,
            row_count=row[0],
            timestamp_column=column,
            max_timestamp=row[1] if column else None,
            latest_partition=latest_partition,
            note=note,
        )

    def recent_queries(
        self, engine: str, state: str, user: str | None, since: str | None, limit: int
    ) -> RecentQueriesResult:
        eng = self.engine(engine)
        source, events = self._call(engine, eng.recent, state, user, since, limit)
        kept, budget = fit(
            events,
            self.budget_tokens - 100,
            lambda e: estimate_tokens(e.model_dump_json()),
            how_to_get_more="narrow with user=, since= or a smaller limit",
        )
        for e in kept:
            if e.detail:
                e.detail = clip(e.detail, 600)
        return RecentQueriesResult(engine=engine, source=source, events=kept, budget=budget)

    def close(self) -> None:
        for eng in self.engines.values():
            eng.close()
