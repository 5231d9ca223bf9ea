"""The SQL service behind the tools: guard first, then the engine, then bound and shape the answer."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.errors import SqlglotError

from oncall_mcp.servers.trino.engine import Engine, RawResult
from oncall_mcp.servers.trino.errors import EngineUnavailable, PlanRefused, QueryFailed, QueryTimeout, RestTimeout
from oncall_mcp.servers.trino.followups import (
    TABLE_ERRORS,
    count_step,
    describe_steps,
    error_steps,
    freshness_steps,
    rest_timeout_steps,
)
from oncall_mcp.servers.trino.guard import DIALECTS, Allowlist, GuardResult, check
from oncall_mcp.servers.trino.models import (
    CheckSqlResult,
    ColumnInfo,
    DescribeResult,
    EngineError,
    ExplainResult,
    FreshnessResult,
    QueryResult,
    RecentQueriesResult,
    ValidateResult,
)
from oncall_mcp.servers.trino.settings import TrinoSettings
from oncall_mcp.servers.trino.writes import WritePart, write_part
from oncall_mcp.shared.auth import authenticated_caller
from oncall_mcp.shared.budget import Truncation, clip, fit_model
from oncall_mcp.shared.errors import ToolError, ToolErrorWithResult
from oncall_mcp.shared.steps import NextStep

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
        return Allowlist(
            frozenset(),
            frozenset(x.lower() for x in s.allowed_schemas),
            None,
            "default",
            frozenset(a.lower() for a in s.spark_session_catalog_aliases),
        )

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
            check_plan(result.tables, result.query_sql, self.timeout(60), written=result.written_tables)
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

    def _offset(self, cursor: str | None) -> int:
        if not cursor:
            return 0
        if not cursor.isdigit() or len(cursor) > 9:
            raise ToolError(f"cursor {cursor!r} is not one this server gave out; call without cursor to start over")
        return int(cursor)

    # -- tools ---------------------------------------------------------------------------------------------------
    def check_sql(self, sql: str, engine: str) -> CheckSqlResult:
        self.engine(engine)
        r = check(sql, engine, self.allowlist(engine), self.settings.max_rows)
        if r.too_large:
            raise ToolError(f"refused by the read-only guard: {r.reason}")
        steps = []
        if r.allowed and r.statement_type == "SELECT":
            steps.append(
                NextStep(
                    server="trino",
                    tool="validate_sql",
                    arguments={"sql": sql, "engine": engine},
                    why="whether the accepted query also compiles against the live schema",
                    priority=2,
                )
            )
        return CheckSqlResult(
            engine=engine,
            allowed=r.allowed,
            reason=r.reason,
            statement_type=r.statement_type,
            tables=r.tables,
            rewritten_sql=r.rewritten_sql,
            next_steps=steps,
        )

    def run_query(
        self, sql: str, engine: str, max_rows: int, timeout_s: float, cursor: str | None = None
    ) -> QueryResult:
        eng = self.engine(engine)
        max_rows = min(max_rows, self.settings.max_rows)
        offset = self._offset(cursor)
        guarded = self.guard(sql, engine, max_rows)
        assert guarded.rewritten_sql is not None
        to_run, fetch, skip = guarded.rewritten_sql, max_rows, 0
        if offset and guarded.query_sql is not None and guarded.statement_type == "SELECT":
            # The next page is the checked query wrapped in OFFSET/LIMIT, and the wrapped text is checked again.
            query = sqlglot_query(guarded.query_sql, engine)
            if query.args.get("limit") or query.args.get("offset"):
                query = exp.select("*").from_(query.subquery("_page"))
            # On the query itself, not a subquery: Trino ignores ORDER BY in a subquery without LIMIT.
            paged = query.offset(offset).limit(max_rows + 1)
            to_run = self.guard(paged.sql(dialect=DIALECTS[engine]), engine, max_rows).rewritten_sql or ""
        elif offset:  # SHOW/DESCRIBE/EXPLAIN answers are short: page through them here
            fetch, skip = offset + max_rows, offset
        start = time.perf_counter()
        raw: RawResult = self._call(
            engine, eng.run, to_run, fetch, self.settings.max_bytes, self.timeout(timeout_s), self.user()
        )
        elapsed = round((time.perf_counter() - start) * 1000, 1)
        rows = raw.rows[skip:]
        result = QueryResult(
            engine=engine,
            query_id=raw.query_id,
            columns=raw.columns,
            rows=rows,
            row_count=len(rows),
            elapsed_ms=elapsed,
            sql_run=to_run,
            truncation=self._engine_cut(raw, offset + len(rows), max_rows),
        )
        fitted = fit_model(
            result,
            self.budget_tokens,
            ["rows"],
            how_to_get_more="rows were cut to fit the answer: continue with the same sql and cursor=next_cursor, "
            "or select fewer columns / aggregate",
            next_cursor=lambda _field, kept: str(offset + kept),
        )
        if fitted.truncation.truncated and fitted.truncation.next_cursor:
            fitted.truncation.how_to_get_more = (
                f"rows were cut to fit the answer: continue with cursor={fitted.truncation.next_cursor!r} "
                "(same sql), or select fewer columns / aggregate"
            )
            if raw.reason:
                fitted.truncation.how_to_get_more += f" (the engine also stopped early: {raw.reason})"
        elif not fitted.truncation.truncated:
            fitted.truncation = result.truncation  # nothing cut for the budget: the engine's cut stands
        fitted.row_count = len(fitted.rows)
        return fitted

    def _engine_cut(self, raw: RawResult, next_offset: int, max_rows: int) -> Truncation:
        """Why the engine stopped sending rows: max_rows (limit), max_bytes (size) or timeout_s (time)."""
        if raw.cut is None:
            return Truncation()
        cursor = str(next_offset)
        more = {
            "limit": f"{raw.reason}: continue with cursor={cursor!r} (same sql), or raise max_rows "
            f"(server cap {self.settings.max_rows}); prefer aggregates",
            "size": f"{raw.reason}: continue with cursor={cursor!r} (same sql) or select fewer/narrower columns",
            "time": f"{raw.reason}: narrow the query (a partition, a date range) or raise timeout_s",
        }[raw.cut]
        return Truncation(
            truncated=True,
            reason=raw.cut,
            next_cursor=None if raw.cut == "time" else cursor,
            how_to_get_more=more,
        )

    def validate_sql(self, sql: str, engine: str, timeout_s: float) -> ValidateResult:
        self.engine(engine)
        first = check(sql, engine, self.allowlist(engine), None)
        if first.allowed:
            if first.statement_type != "SELECT":
                raise ToolError(f"validate_sql checks queries; this is a {first.statement_type} statement")
            return self._validate_query(first, engine, timeout_s)
        part = None if first.too_large else write_part(sql, engine)
        if part is None:
            raise ToolError(f"refused by the read-only guard: {first.reason}. Use check_sql to test a statement.")
        return self._validate_write(part, engine, timeout_s)

    def _validate_query(self, guarded: GuardResult, engine: str, timeout_s: float) -> ValidateResult:
        eng = self.engine(engine)
        assert guarded.rewritten_sql is not None
        checked = guarded.original_sql if engine == "trino" else guarded.rewritten_sql
        error: EngineError | None = self._call(engine, self._plan_error, engine, guarded)
        cols: list[ColumnInfo] = []
        if error is None:  # a table that does not exist is a validation result, not a tool error
            error, cols = self._call(
                engine, eng.validate, guarded.original_sql, guarded.rewritten_sql, self.timeout(timeout_s), self.user()
            )
        allow = self.allowlist(engine)
        steps = (
            error_steps(error, checked, engine, allow, [guarded.as_written(t) for t in guarded.tables])
            if error is not None
            else count_step(guarded.original_sql, engine, allow)
        )
        return ValidateResult(
            engine=engine, valid=error is None, error=error, checked_sql=checked, output_columns=cols, next_steps=steps
        )

    def _validate_write(self, part: WritePart, engine: str, timeout_s: float) -> ValidateResult:
        """The query part of a write, through the full guard and the engine; the target checked by DESCRIBE."""
        if part.query_sql is None:
            result = ValidateResult(
                engine=engine,
                valid=True,
                checked_sql="",
                validated_part=f"nothing: {part.kind} … VALUES has no query to validate",
            )
        else:
            guarded = self.parse_guard(part.query_sql, engine, None)
            result = self._validate_query(guarded, engine, timeout_s)
            result.validated_part = part.described
            result.validated_sql = result.checked_sql
        findings, steps = self._target_findings(part, engine, result)
        result.findings = findings
        result.valid = result.valid and not findings
        result.next_steps = sorted([*result.next_steps, *steps], key=lambda step: step.priority)
        return ValidateResult.model_validate(result.model_dump(exclude={"next_steps_text"}))

    def _target_findings(
        self, part: WritePart, engine: str, result: ValidateResult
    ) -> tuple[list[str], list[NextStep]]:
        try:
            target = self._call(engine, self._describe, part.target, engine)
        except ToolError as exc:
            return [f"target {part.target} could not be checked: {exc}"], []
        if isinstance(target, EngineError):
            if not part.target_must_exist:
                return [], []
            step = NextStep(
                server="openmetadata",
                tool="search_tables",
                arguments={"query": part.target.split(".")[-1]},
                why=f"where the write target {part.target} went (renamed or moved?)",
                priority=1,
            )
            return [f"target table {part.target} does not exist"], [step]
        if not part.target_must_exist:
            return ([] if part.replaces_target else [f"target table {part.target} already exists"]), []
        if part.kind == "MERGE" or (part.query_sql is not None and not result.output_columns):
            return [], []  # MERGE maps columns in its clauses; a query that does not compile has no shape
        names = [c.name for c in target.columns]
        lower = [n.lower() for n in names]
        findings = [f"target {part.target} has no column {c!r}" for c in part.target_columns if c.lower() not in lower]
        static = {p.lower() for p in part.static_partitions}
        expected = part.target_columns or [n for n in names if n.lower() not in static]
        produced = [c.name for c in result.output_columns]
        width = len(produced) if part.query_sql is not None else (part.values_width or 0)
        if width and len(expected) != width:
            besides = f" besides the static partition {', '.join(part.static_partitions)}" if static else ""
            findings.append(
                f"target {part.target} has {len(expected)} columns{besides}, "
                f"{'query produces' if part.query_sql is not None else 'VALUES rows have'} {width}"
            )
        elif produced and _reordered([p.lower() for p in produced], [e.lower() for e in expected]):
            findings.append(
                f"the query produces the target's columns in another order ({', '.join(produced)} vs "
                f"{', '.join(expected)}); {part.kind} matches columns by position"
            )
        return findings, []

    def explain(self, sql: str, engine: str, timeout_s: float) -> ExplainResult:
        eng = self.engine(engine)
        guarded = self.guard(sql, engine, None)
        if guarded.statement_type != "SELECT":
            raise ToolError(f"explain takes a query; this is a {guarded.statement_type} statement")
        assert guarded.rewritten_sql is not None
        plan = self._call(engine, eng.explain, guarded.rewritten_sql, self.timeout(timeout_s), self.user())
        max_chars = self.budget_tokens * 4 - 400
        truncation = Truncation()
        if len(plan) > max_chars:
            truncation = Truncation(
                truncated=True,
                reason="budget",
                how_to_get_more="the plan was cut to fit the answer; explain one part of the query (a subquery or "
                "one join) at a time",
            )
        return ExplainResult(engine=engine, plan=clip(plan, max_chars), truncation=truncation)

    def _table(self, table: str, engine: str) -> exp.Table:
        dialect = DIALECTS.get(engine, "spark")
        if not TABLE_RE.match(table.strip()):
            raise ToolError(f"not a table name: {table!r}; use catalog.schema.table (quote unusual names)")
        try:
            parsed = exp.to_table(table.strip(), dialect=dialect)
        except (SqlglotError, ValueError):
            raise ToolError(f"not a table name: {table!r}; use catalog.schema.table") from None
        if not isinstance(parsed.this, exp.Identifier) or parsed.sql(dialect=dialect) == "":
            raise ToolError(f"not a table name: {table!r}; use catalog.schema.table")
        return parsed

    def _describe(self, table: str, engine: str) -> TableShape | EngineError:
        """The table's columns as the engine sees them, or the engine's error when it does not exist."""
        t = self._table(table, engine)
        name = t.sql(dialect=DIALECTS[engine])
        guarded = self.parse_guard(f"DESCRIBE {name}", engine, None)
        try:
            self.plan_guard(engine, guarded)
            raw = self.engine(engine).run(guarded.rewritten_sql or "", 2000, self.settings.max_bytes, 60.0, self.user())
        except QueryFailed as exc:
            if exc.error.name.upper().startswith(TABLE_ERRORS):
                return exc.error
            raise
        return table_shape(name, raw.rows, engine)

    def describe_table(self, table: str, engine: str, cursor: str | None = None) -> DescribeResult:
        self.engine(engine)
        offset = self._offset(cursor)
        shape = self._call(engine, self._describe, table, engine)
        if isinstance(shape, EngineError):
            raise ToolError(
                f"{engine} has no table {table}: {shape.name}: {clip(shape.message, 500)}. "
                "openmetadata.search_tables finds where it went"
            )
        result = DescribeResult(
            engine=engine,
            table=shape.name,
            columns=shape.columns[offset:],
            partition_columns=shape.partition_columns,
            next_steps=describe_steps(shape.name, engine),
        )
        return fit_model(
            result,
            self.budget_tokens,
            ["columns"],
            how_to_get_more="columns were cut to fit the answer: call again with cursor=next_cursor",
            next_cursor=lambda _field, kept: str(offset + kept),
        )

    def table_freshness(
        self, table: str, engine: str, timestamp_column: str | None, timeout_s: float, stale_after_hours: int = 24
    ) -> FreshnessResult:
        eng = self.engine(engine)
        dialect = DIALECTS[engine]
        shape = self._call(engine, self._describe, table, engine)
        if isinstance(shape, EngineError):
            raise ToolError(f"{engine} has no table {table}: {shape.name}: {clip(shape.message, 500)}")
        name, cols = shape.name, shape.columns
        column = timestamp_column
        notes = []
        names = {c.name.lower(): c for c in cols}
        if column:
            if column.lower() not in names:
                raise ToolError(f"column {column!r} not in {name}; columns: {', '.join(c.name for c in cols[:40])}")
        else:
            candidates = [c for c in cols if c.type.lower().startswith(TIME_TYPES)]
            candidates.sort(key=lambda c: (not TIME_NAME_HINTS.search(c.name), cols.index(c)))
            if candidates:
                column = candidates[0].name
                notes.append(f"picked time column {column!r} (pass timestamp_column to choose another)")
            else:
                notes.append("no date/timestamp column found (pass timestamp_column if the time is a string)")
        select = "count(*)"
        if column:
            text_type = "VARCHAR" if engine == "trino" else "STRING"
            select += f", CAST(max({exp.to_identifier(column).sql(dialect=dialect)}) AS {text_type})"
        guarded = self.guard(f"SELECT {select} FROM {name}", engine, 1)
        raw = self._call(engine, eng.run, guarded.rewritten_sql, 1, 100_000, self.timeout(timeout_s), self.user())
        row = raw.rows[0] if raw.rows else [None, None]
        latest_partition = None
        if shape.partition_columns:
            latest_partition = self._latest_partition(name, engine, timeout_s)
        elif engine == "trino":
            notes.append(
                "latest_partition is not read on Trino (its `table$partitions` hidden tables are outside the "
                "read-only guard's plain-name allowlist)"
            )
        max_timestamp = row[1] if column else None
        stale = is_stale(row[0], max_timestamp or partition_time(latest_partition), stale_after_hours)
        return FreshnessResult(
            engine=engine,
            table=name,
            row_count=row[0],
            timestamp_column=column,
            max_timestamp=max_timestamp,
            latest_partition=latest_partition,
            stale=stale,
            note="; ".join(notes),
            next_steps=freshness_steps(name, engine, stale),
        )

    def _latest_partition(self, name: str, engine: str, timeout_s: float) -> str | None:
        guarded = self.guard(f"SHOW PARTITIONS {name}", engine, None)
        raw = self._call(
            engine,
            self.engine(engine).run,
            guarded.rewritten_sql,
            self.settings.max_rows,
            self.settings.max_bytes,
            self.timeout(timeout_s),
            self.user(),
        )
        specs = [str(r[0]) for r in raw.rows if r and r[0]]
        return max(specs, key=partition_key) if specs else None

    def recent_queries(
        self, engine: str, state: str, user: str | None, since: str | None, limit: int, cursor: str | None = None
    ) -> RecentQueriesResult:
        eng = self.engine(engine)
        offset = self._offset(cursor)
        try:
            source, events = self._call(engine, eng.recent, state, user, since, offset + limit + 1)
        except RestTimeout as exc:
            raise _rest_timeout(exc, engine, state, user, since, limit, cursor) from None
        page = events[offset : offset + limit]
        truncation = Truncation()
        if len(events) > offset + limit:
            truncation = Truncation(
                truncated=True,
                reason="limit",
                next_cursor=str(offset + limit),
                how_to_get_more=f"more entries than limit={limit}: continue with cursor='{offset + limit}'",
            )
        for e in page:
            if e.detail:
                e.detail = clip(e.detail, 600)
        result = RecentQueriesResult(engine=engine, source=source, events=page, truncation=truncation)
        fitted = fit_model(
            result,
            self.budget_tokens,
            ["events"],
            how_to_get_more="entries were cut to fit the answer: continue with cursor=next_cursor, or narrow "
            "with user= or since=",
            next_cursor=lambda _field, kept: str(offset + kept),
        )
        if not fitted.truncation.truncated:
            fitted.truncation = truncation
        return fitted


def _rest_timeout(
    exc: RestTimeout, engine: str, state: str, user: str | None, since: str | None, limit: int, cursor: str | None
) -> ToolErrorWithResult:
    """recent_queries when the Spark UI did not answer: an error result that is still a RecentQueriesResult (no
    events, cut by time) whose next steps retry the call or read the failed tasks' logs."""
    given = {"user": user, "since": since, "cursor": cursor}
    again = {"engine": engine, "state": state, "limit": limit} | {k: v for k, v in given.items() if v}
    wait = f"{exc.timeout_s:g}s"
    empty = RecentQueriesResult(
        engine=engine,
        source=exc.url,
        events=[],
        next_steps=rest_timeout_steps(again, since),
        truncation=Truncation(
            truncated=True,
            reason="time",
            how_to_get_more=f"the Spark UI did not answer within {wait}: call recent_queries again in a minute, "
            f"or raise OCM_TRINO_SPARK_UI_TIMEOUT_S (now {wait})",
        ),
    )
    return ToolErrorWithResult(
        f"the Spark UI did not answer within {wait} ({exc.url}); it is likely busy. Retry in a minute, or raise "
        "OCM_TRINO_SPARK_UI_TIMEOUT_S if it is always this slow; the failed tasks' logs (airflow_logs) hold the "
        "same Spark errors",
        empty,
    )


def _reordered(produced: list[str], expected: list[str]) -> bool:
    return sorted(produced) == sorted(expected) and produced != expected


@dataclass
class TableShape:
    name: str
    columns: list[ColumnInfo]
    partition_columns: list[str] = field(default_factory=list)


def table_shape(name: str, rows: list[list[Any]], engine: str) -> TableShape:
    """Columns from DESCRIBE rows; Spark lists partition columns again under `# Partition Information`."""
    cols: list[ColumnInfo] = []
    partitions: list[str] = []
    section = "columns"
    for r in rows:
        col = str(r[0] or "").strip()
        if engine == "spark" and col.startswith("#"):
            if col == "# Partition Information":
                section = "partitions"
            elif col != "# col_name":
                section = "other"
            continue
        if not col:
            continue
        if section == "partitions":
            partitions.append(col)
        elif section == "columns":
            comment = r[3] if engine == "trino" and len(r) > 3 else (r[2] if len(r) > 2 else None)
            cols.append(ColumnInfo(name=col, type=str(r[1]), comment=comment or None))
    return TableShape(name, cols, partitions)


def sqlglot_query(sql: str, engine: str) -> exp.Query:
    import sqlglot

    parsed = sqlglot.parse_one(sql, read=DIALECTS[engine])
    if not isinstance(parsed, exp.Query):
        raise ToolError("only a query can be paged with cursor")
    return parsed


def partition_key(spec: str) -> tuple[tuple[int, int | str], ...]:
    """Order partition specs `ds=2024-06-30/hr=9` by value, numbers numerically."""
    values = [part.split("=", 1)[-1] for part in spec.split("/")]
    return tuple((0, int(v)) if v.isdigit() else (1, v) for v in values)


def partition_time(spec: str | None) -> str | None:
    """The first date-looking value of a partition spec (`ds=2024-06-30` → `2024-06-30`)."""
    if not spec:
        return None
    found = re.search(r"=(\d{4}-\d{2}-\d{2})", spec)
    return found.group(1) if found else None


def is_stale(row_count: Any, latest: str | None, hours: int) -> bool | None:
    if row_count == 0:
        return True
    if not latest:
        return None
    try:
        when = dt.datetime.fromisoformat(latest.strip()[:26].replace(" ", "T"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC) - when > dt.timedelta(hours=hours)
