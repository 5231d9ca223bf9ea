"""Trino through the `trino` client: auth, impersonation, a read-only transaction, limits and cancellation."""

from __future__ import annotations

import contextlib
import math
from typing import Any, Literal

import requests
import trino
import trino.transaction
from sqlglot import exp
from trino import constants
from trino.auth import BasicAuthentication, JWTAuthentication
from trino.exceptions import TrinoQueryError

from oncall_mcp.servers.trino.engine import Deadline, RawResult, json_value, row_bytes
from oncall_mcp.servers.trino.errors import EngineUnavailable, QueryFailed, QueryTimeout
from oncall_mcp.servers.trino.models import ColumnInfo, EngineError, EngineEvent
from oncall_mcp.servers.trino.settings import TrinoSettings

SOURCE = "oncall-mcp"


class _ReadOnlyTransaction(trino.transaction.Transaction):
    """`START TRANSACTION READ ONLY`: the engine itself refuses any write inside it (the second wall)."""

    def begin(self) -> None:
        response = self.request.post("START TRANSACTION READ ONLY")
        tid = response.headers.get(constants.HEADER_STARTED_TRANSACTION)
        status = self.request.process(response)
        while status.next_uri:
            response = self.request.get(status.next_uri)
            tid = response.headers.get(constants.HEADER_STARTED_TRANSACTION) or tid
            status = self.request.process(response)
        if not tid or tid == trino.transaction.NO_TRANSACTION:
            raise EngineUnavailable("Trino did not start a read-only transaction")
        self._id = tid  # the base class keeps the id here; its public `id` property reads it
        self.request.transaction_id = tid


def _begin_read_only(conn: trino.dbapi.Connection) -> None:
    """Start `START TRANSACTION READ ONLY` on `conn`; its queries then run inside it.

    trino 0.340.0 has no public way to start a read-only transaction: `Connection.start_transaction()` always sends a
    plain `START TRANSACTION`. So this one function uses the connection's private `_create_request()` and
    `_transaction` (the same two lines `start_transaction()` runs); check them when upgrading the library."""
    tx = _ReadOnlyTransaction(conn._create_request())
    tx.begin()
    conn._transaction = tx  # type: ignore[assignment]  # the library annotates it as always None


class TrinoEngine:
    name = "trino"

    def __init__(self, settings: TrinoSettings) -> None:
        self.settings = settings

    def _connect(self, timeout_s: float, user: str | None) -> Any:
        s = self.settings
        auth: Any = None
        if s.password:
            auth = BasicAuthentication(s.user, s.password.get_secret_value())
        elif s.jwt:
            auth = JWTAuthentication(s.jwt.get_secret_value())
        conn = trino.dbapi.connect(
            host=s.host,
            port=s.port,
            user=user or s.user,
            auth=auth,
            http_scheme=s.http_scheme,
            verify=s.verify,
            catalog=s.default_catalog,
            schema=s.default_schema,
            source=SOURCE,
            max_attempts=1,
            request_timeout=max(5.0, timeout_s + 5),
            session_properties={"query_max_run_time": f"{math.ceil(timeout_s)}s"},
        )
        if s.read_only_transaction:
            self._call(_begin_read_only, conn)
        return conn

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except TrinoQueryError as exc:
            raise QueryFailed(_error(exc), exc.query_id) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise EngineUnavailable(
                f"Trino at {self.settings.host}:{self.settings.port} is unreachable ({type(exc).__name__})"
            ) from None
        except trino.exceptions.HttpError as exc:
            raise EngineUnavailable(f"Trino answered with an HTTP error: {str(exc)[:200]}") from None

    def run(self, sql: str, max_rows: int, max_bytes: int, timeout_s: float, user: str | None) -> RawResult:
        conn = self._connect(timeout_s, user)
        cur = conn.cursor()
        rows: list[list[Any]] = []
        cut: Literal["limit", "size", "time"] | None = None
        reason, used = None, 0
        try:
            with Deadline(timeout_s, cur.cancel) as deadline:
                try:
                    self._call(cur.execute, sql)
                    while cut is None:
                        batch = self._call(cur.fetchmany, 100)
                        if not batch:
                            break
                        for raw in batch:
                            row = [json_value(v) for v in raw]
                            used += row_bytes(row)
                            if len(rows) >= max_rows:
                                cut, reason = "limit", f"more than max_rows={max_rows} rows"
                            elif used > max_bytes:
                                cut, reason = "size", f"result larger than {max_bytes} bytes"
                            else:
                                rows.append(row)
                                continue
                            cur.cancel()  # enough rows came: stop the engine's work
                            break
                except (QueryFailed, EngineUnavailable):
                    if not deadline.fired:
                        raise
                    if not rows:
                        raise QueryTimeout(timeout_s, cur.query_id) from None
                if deadline.fired and cut is None:
                    if not rows:
                        raise QueryTimeout(timeout_s, cur.query_id)
                    cut, reason = "time", f"timeout_s={timeout_s:g} reached after {len(rows)} rows"
            columns = [ColumnInfo(name=d[0], type=str(d[1])) for d in (cur.description or [])]
            return RawResult(columns, rows, cut is not None, reason, cur.query_id, cut=cut)
        finally:
            self._finish(conn)

    def _finish(self, conn: Any) -> None:
        if conn.transaction is not None:
            with contextlib.suppress(Exception):  # a cancelled or failed query may have ended it already
                conn.rollback()
        conn.close()

    def validate(
        self, original: str, checked: str, timeout_s: float, user: str | None
    ) -> tuple[EngineError | None, list[ColumnInfo]]:
        # EXPLAIN (TYPE VALIDATE) analyses without running anything, so the caller's own text (and its line
        # numbers) can go to the engine; the result shape comes from the checked text with LIMIT 0.
        try:
            self.run(f"EXPLAIN (TYPE VALIDATE) {original}", 1, 100_000, timeout_s, user)
        except QueryFailed as exc:
            return exc.error, []
        shape = self.run(f"SELECT * FROM ({checked}) AS _validated LIMIT 0", 1, 100_000, timeout_s, user)
        return None, shape.columns

    def explain(self, sql: str, timeout_s: float, user: str | None) -> str:
        result = self.run(f"EXPLAIN {sql}", 10, 1_000_000, timeout_s, user)
        return "\n".join(str(r[0]) for r in result.rows)

    def recent(self, state: str, user: str | None, since: str | None, limit: int) -> tuple[str, list[EngineEvent]]:
        cols = ["query_id", "state", '"user"', "source", "query", "error_type", "error_code", "created", '"end"']
        where = ["true"]
        if state != "ALL":
            where.append(f"state = {exp.Literal.string(state).sql('trino')}")
        if user:
            where.append(f'"user" = {exp.Literal.string(user).sql("trino")}')
        if since:
            where.append(f"created >= from_iso8601_timestamp({exp.Literal.string(since).sql('trino')})")
        sql = (
            f"SELECT {', '.join(cols)} FROM system.runtime.queries WHERE {' AND '.join(where)} "
            f"ORDER BY created DESC LIMIT {int(limit)}"
        )
        result = self.run(sql, limit, 2_000_000, 30, None)
        events = [
            EngineEvent(
                kind="query",
                id=str(r[0]),
                state=str(r[1]),
                user=r[2],
                detail=f"source={r[3]}; {r[4]}",
                error=f"{r[5]}: {r[6]}" if r[6] else None,
                started=r[7],
                ended=r[8],
            )
            for r in result.rows
        ]
        return "system.runtime.queries", events


def _error(exc: TrinoQueryError) -> EngineError:
    line = col = None
    loc = exc.error_location
    if loc:
        line, col = loc
    return EngineError(
        name=exc.error_name or exc.error_type or "TRINO_ERROR", message=exc.message or str(exc), line=line, column=col
    )
