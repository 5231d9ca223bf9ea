"""Spark: a local session started lazily inside the server, or a Spark Connect server; metrics from the REST API.

pyspark is imported only when the first Spark call arrives, so `tools/list` stays fast.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import socket
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from oncall_mcp.servers.trino.engine import Deadline, RawResult, json_value, row_bytes
from oncall_mcp.servers.trino.errors import EngineUnavailable, PlanRefused, QueryFailed, QueryTimeout, RestTimeout
from oncall_mcp.servers.trino.models import ColumnInfo, EngineError, EngineEvent
from oncall_mcp.servers.trino.settings import TrinoSettings
from oncall_mcp.shared.redaction import redact, redacting_pipe

log = logging.getLogger("oncall.trino.spark")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
POS_RE = re.compile(r"line (\d+),? pos(?:ition)? (\d+)")
SQLSTATE_RE = re.compile(r"SQLSTATE: (\w{5})")

# Every node of an analyzed plan must be one of these; anything else (a file relation, an RDD, a stream, a V2
# relation, a node a future Spark adds) is refused.
PLAN_NODES = frozenset(
    {
        "Project", "Filter", "Aggregate", "Join", "Sort", "GlobalLimit", "LocalLimit", "Limit", "Offset", "Tail",
        "Union", "Intersect", "Except", "Distinct", "Deduplicate", "SubqueryAlias", "View", "WithCTE",
        "CTERelationDef", "CTERelationRef", "Window", "Generate", "Expand", "Sample", "Repartition",
        "RepartitionByExpression", "RebalancePartitions", "ResolvedHint", "LateralJoin", "WindowGroupLimit",
        "OneRowRelation", "LocalRelation", "Range", "LogicalRelation", "HiveTableRelation",
    }
)  # fmt: skip
CATALOG_RELATIONS = frozenset({"LogicalRelation", "HiveTableRelation"})
# The text form of the same nodes in EXPLAIN EXTENDED (Spark Connect has no plan objects on the client).
TREE_PREFIX = re.compile(r"^[ :|+\-]*")
TEXT_NODE = re.compile(r"^([A-Za-z]+)\b")
TEXT_NAMES = {"Relation": "LogicalRelation", "GlobalLimit": "GlobalLimit"}
TEXT_RELATION = re.compile(r"^Relation ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\[")
TEXT_HIVE_RELATION = re.compile(r"^HiveTableRelation \[`([A-Za-z0-9_]+)`\.`([A-Za-z0-9_]+)`\.`([A-Za-z0-9_]+)`,")

# PySpark's own loggers for failed queries: each has its own stderr handler (no propagation) whose JSON formatter
# writes the exception text and its SQL fragment (with the literals) from `exc_info` itself.
PYSPARK_QUERY_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")

_local_lock = threading.Lock()
_local_session: Any = None
_remote_sessions: list[Any] = []


def shutdown_all() -> None:
    """Stop every Spark session this process started (tests and embedders call it at exit)."""
    global _local_session
    for session in [*_remote_sessions, _local_session]:
        if session is not None:
            with contextlib.suppress(Exception):
                session.stop()
    _remote_sessions.clear()
    _local_session = None


class _RedactedFormatter(logging.Formatter):
    """Redacts what another formatter wrote (PySpark's JSON formatter reads the raw exception itself)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def redact_pyspark_loggers() -> None:
    """Route PySpark's query-context loggers through the redactor (idempotent)."""
    from pyspark.logger import PySparkLogger

    for name in PYSPARK_QUERY_LOGGERS:
        for handler in PySparkLogger.getLogger(name).handlers:
            if not isinstance(handler.formatter, _RedactedFormatter):
                handler.setFormatter(_RedactedFormatter(handler.formatter))


def _local(settings: TrinoSettings) -> Any:
    """The process's one local Spark session; its JVM writes only to our stderr, redacted."""
    global _local_session
    with _local_lock:
        if _local_session is not None:
            return _local_session
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
        from pyspark.sql import SparkSession

        conf = (
            SparkConf()
            .setMaster("local[2]")
            .setAppName("oncall-mcp")
            .set("spark.driver.bindAddress", "127.0.0.1")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.ui.port", "0")
            .set("spark.ui.killEnabled", "false")
            .set("spark.ui.showConsoleProgress", "false")
            .set("spark.sql.catalogImplementation", "in-memory")
            .set("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="oncall-spark-wh-"))
            .set("spark.sql.session.timeZone", "UTC")
        )
        try:
            # The JVM's log4j output (plans and failed rows, with their literals) goes through the redactor to our
            # stderr; none of it may reach stdout, the stdio protocol.
            jvm_output = redacting_pipe()
            try:
                gateway = launch_gateway(conf=conf, popen_kwargs={"stdout": jvm_output, "stderr": jvm_output})
            finally:
                os.close(jvm_output)  # the JVM holds its own copy; the pump ends when the JVM does
            sc = SparkContext(conf=conf, gateway=gateway)
        except Exception as exc:
            raise EngineUnavailable(f"local Spark could not start ({type(exc).__name__}: {str(exc)[:200]})") from None
        sc.setLogLevel("ERROR")
        _local_session = SparkSession(sc)
        return _local_session


class SparkEngine:
    name = "spark"

    def __init__(self, settings: TrinoSettings) -> None:
        self.settings = settings
        self.mode = settings.effective_spark_mode
        self._session: Any = None
        self._lock = threading.Lock()

    # -- session -----------------------------------------------------------------------------------------------
    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                redact_pyspark_loggers()
                if self.mode == "connect":
                    self._session = self._connect()
                else:
                    self._session = _local(self.settings)
                    if self.settings.spark_warehouse:
                        register_warehouse(self._session, self.settings.spark_warehouse)
            return self._session

    def _connect(self) -> Any:
        # The Connect client retries an unreachable server for minutes; a plain TCP probe answers in seconds.
        parsed = urllib.parse.urlparse(str(self.settings.spark_remote).replace("sc://", "http://", 1))
        try:
            socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 15002), timeout=3).close()
        except OSError as exc:
            raise EngineUnavailable(
                f"Spark Connect at {self.settings.spark_remote} is unreachable ({type(exc).__name__})"
            ) from None
        try:
            from pyspark.sql.connect.session import SparkSession as RemoteSession

            session = RemoteSession.builder.remote(str(self.settings.spark_remote)).create()
            session.sql("SELECT 1").collect()
            _remote_sessions.append(session)
            return session
        except Exception as exc:
            raise EngineUnavailable(
                f"Spark Connect at {self.settings.spark_remote} is unreachable ({type(exc).__name__})"
            ) from None

    @property
    def started(self) -> bool:
        return self._session is not None

    # -- the relation allowlist ------------------------------------------------------------------------------
    def check_plan(
        self, tables: list[str], query: str | None, timeout_s: float, written: Mapping[str, str] | None = None
    ) -> None:
        """Refuse unless every relation the statement reads is a table of the session catalog (allowed schemas).

        First each name the guard saw must be a catalog table or view, before Spark analyses anything: Spark
        resolves an unknown `<x>.`<y>`` as a file path during analysis, which already lists or samples the files.
        Then the query's analyzed plan is walked and every node must be a known operator, and every relation a
        catalog table (a temporary view over files fails here). `written` maps a checked name to the name the
        caller wrote (a session-catalog alias), for the error."""

        def work(session: Any) -> None:
            for name in tables:
                if not session.catalog.tableExists(name):
                    shown = (written or {}).get(name, name)
                    read_as = f" (read as {name})" if shown != name else ""
                    raise QueryFailed(
                        EngineError(
                            name="TABLE_OR_VIEW_NOT_FOUND",
                            message=f"{shown} is not a table of the Spark session catalog{read_as}; query a "
                            "registered table (SHOW TABLES lists them)",
                            sqlstate="42P01",
                        )
                    )
            if query is None:
                return
            df = session.sql(query)
            if self.mode == "connect":
                _check_plan_text(_analyzed_section(df._explain_string(mode="extended")), self._schema_allowed)
            else:
                _check_plan_objects(df._jdf.queryExecution().analyzed(), self._schema_allowed)

        self._guarded(work, timeout_s)

    def _schema_allowed(self, catalog: str, schema: str) -> bool:
        allowed = {s.lower() for s in self.settings.allowed_schemas}
        if catalog.lower() != "spark_catalog":
            return False
        return not allowed or schema.lower() in allowed or f"spark_catalog.{schema.lower()}" in allowed

    # -- queries -----------------------------------------------------------------------------------------------
    def _guarded(self, fn: Any, timeout_s: float) -> Any:
        """Run `fn(session)` with a deadline that cancels the Spark job(s) it started."""
        session = self.session()
        tag = f"oncall-{uuid.uuid4().hex[:12]}"
        if self.mode == "connect":
            session.addTag(tag)
            cancel = lambda: session.interruptTag(tag)  # noqa: E731
        else:
            sc = session.sparkContext
            sc.setJobGroup(tag, "oncall-mcp query", interruptOnCancel=True)
            cancel = lambda: sc.cancelJobGroup(tag)  # noqa: E731
        try:
            with Deadline(timeout_s, cancel) as deadline:
                try:
                    return fn(session)
                except (PlanRefused, QueryFailed):
                    raise
                except Exception as exc:
                    if deadline.fired:
                        raise QueryTimeout(timeout_s, tag) from None
                    raise self._translate(exc) from None
        finally:
            if self.mode == "connect":
                with contextlib.suppress(Exception):
                    session.removeTag(tag)
            else:
                session.sparkContext.setLocalProperty("spark.jobGroup.id", None)

    def _translate(self, exc: Exception) -> Exception:
        from pyspark.errors import PySparkException

        if isinstance(exc, PySparkException):
            condition = exc.getCondition() if hasattr(exc, "getCondition") else exc.getErrorClass()
            message = exc.getMessage() if hasattr(exc, "getMessage") else str(exc)
            message = message.split("\n")[0] if condition else str(exc).split("\n")[0]
            pos = POS_RE.search(str(exc))
            sqlstate = exc.getSqlState() if hasattr(exc, "getSqlState") else None
            if not sqlstate:
                found = SQLSTATE_RE.search(message)
                sqlstate = found.group(1) if found else None
            err = EngineError(
                name=condition or type(exc).__name__,
                message=message,
                line=int(pos.group(1)) if pos else None,
                column=int(pos.group(2)) + 1 if pos else None,
                sqlstate=sqlstate,
            )
            if condition and ("CONNECT" in condition or "SESSION_CLOSED" in condition):
                return EngineUnavailable(f"Spark Connect failed: {message[:200]}")
            return QueryFailed(err)
        if "Connection refused" in str(exc) or "StatusCode.UNAVAILABLE" in str(exc):
            return EngineUnavailable(f"Spark is unreachable ({type(exc).__name__})")
        return exc

    def run(self, sql: str, max_rows: int, max_bytes: int, timeout_s: float, user: str | None) -> RawResult:
        def work(session: Any) -> RawResult:
            df = session.sql(sql)
            fields = df.schema.fields
            rows: list[list[Any]] = []
            cut: Literal["limit", "size"] | None = None
            reason, used = None, 0
            for raw in df.limit(max_rows + 1).collect():
                row = [json_value(v) for v in raw]
                used += row_bytes(row)
                if len(rows) >= max_rows:
                    cut, reason = "limit", f"more than max_rows={max_rows} rows"
                    break
                if used > max_bytes:
                    cut, reason = "size", f"result larger than {max_bytes} bytes"
                    break
                rows.append(row)
            cols = [ColumnInfo(name=f.name, type=f.dataType.simpleString()) for f in fields]
            return RawResult(cols, rows, cut is not None, reason, cut=cut)

        return self._guarded(work, timeout_s)

    def validate(
        self, original: str, checked: str, timeout_s: float, user: str | None
    ) -> tuple[EngineError | None, list[ColumnInfo]]:
        # Spark runs commands eagerly inside spark.sql(), so only the checked text is ever given to it; analysing a
        # query (`.schema`) resolves every name without running a job.
        def work(session: Any) -> list[ColumnInfo]:
            schema = session.sql(checked).schema
            return [ColumnInfo(name=f.name, type=f.dataType.simpleString()) for f in schema.fields]

        try:
            return None, self._guarded(work, timeout_s)
        except QueryFailed as exc:
            return exc.error, []

    def explain(self, sql: str, timeout_s: float, user: str | None) -> str:
        result = self.run(f"EXPLAIN {sql}", 10, 1_000_000, timeout_s, user)
        return "\n".join(str(r[0]) for r in result.rows)

    # -- metrics -----------------------------------------------------------------------------------------------
    def _rest_base(self) -> tuple[str, str | None]:
        if self.settings.spark_ui_url:
            return self.settings.spark_ui_url.rstrip("/"), self.settings.spark_app_id
        if self.mode == "local":
            sc = self.session().sparkContext
            if not sc.uiWebUrl:
                raise EngineUnavailable(
                    "the local Spark UI is disabled; set OCM_TRINO_SPARK_UI_URL to a History Server"
                )
            return sc.uiWebUrl.rstrip("/"), sc.applicationId
        raise EngineUnavailable(
            "no Spark REST API configured: set OCM_TRINO_SPARK_UI_URL to the Spark History Server or the driver UI"
        )

    def recent(self, state: str, user: str | None, since: str | None, limit: int) -> tuple[str, list[EngineEvent]]:
        base, app_id = self._rest_base()
        wait = self.settings.spark_ui_timeout_s
        if not app_id:
            apps = _get_json(f"{base}/api/v1/applications?limit=1", wait)
            if not apps:
                return f"{base}/api/v1/applications", []
            app_id = str(apps[0]["id"])
        app = f"{base}/api/v1/applications/{urllib.parse.quote(app_id, safe='')}"
        job_status = {"FAILED": "failed", "RUNNING": "running", "FINISHED": "succeeded"}.get(state)
        stage_status = {"FAILED": "failed", "RUNNING": "active", "FINISHED": "complete"}.get(state)
        events: list[EngineEvent] = []
        for job in _get_json(f"{app}/jobs" + (f"?status={job_status}" if job_status else ""), wait):
            events.append(
                EngineEvent(
                    kind="job",
                    id=str(job.get("jobId")),
                    state=str(job.get("status")),
                    started=job.get("submissionTime"),
                    ended=job.get("completionTime"),
                    detail=f"{job.get('name', '')[:200]}; tasks failed={job.get('numFailedTasks')} "
                    f"killed={job.get('numKilledTasks')} stages failed={job.get('numFailedStages')}",
                )
            )
        for stage in _get_json(f"{app}/stages" + (f"?status={stage_status}" if stage_status else ""), wait):
            events.append(
                EngineEvent(
                    kind="stage",
                    id=f"{stage.get('stageId')}.{stage.get('attemptId')}",
                    state=str(stage.get("status")),
                    started=stage.get("submissionTime"),
                    ended=stage.get("completionTime"),
                    error=(stage.get("failureReason") or "")[:500] or None,
                    detail=f"{stage.get('name', '')[:200]}; tasks failed={stage.get('numFailedTasks')} "
                    f"killed={stage.get('numKilledTasks')} spill={stage.get('diskBytesSpilled')}B",
                )
            )
        for ex in _get_json(f"{app}/allexecutors", wait):
            removed = ex.get("removeReason")
            if state == "FAILED" and not removed and not ex.get("failedTasks"):
                continue
            if state == "RUNNING" and not ex.get("isActive"):
                continue
            events.append(
                EngineEvent(
                    kind="executor",
                    id=str(ex.get("id")),
                    state="REMOVED" if removed else ("ACTIVE" if ex.get("isActive") else "DEAD"),
                    started=ex.get("addTime"),
                    ended=ex.get("removeTime"),
                    error=removed,
                    detail=f"host={ex.get('hostPort')} failedTasks={ex.get('failedTasks')} "
                    f"completedTasks={ex.get('completedTasks')} gcTimeMs={ex.get('totalGCTime')}",
                )
            )
        if since:
            events = [e for e in events if not e.started or e.started >= since]
        return app + "/{jobs,stages,allexecutors}", events[:limit]


def _check_plan_objects(root: Any, schema_allowed: Any) -> None:
    """Walk a local analyzed plan (JVM objects): operators and subquery plans, every node checked."""
    stack = [root]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > 10_000:
            raise PlanRefused("the analyzed plan is too large to check")
        kind = str(node.getClass().getSimpleName())
        if kind not in PLAN_NODES:
            raise PlanRefused(f"the analyzed plan reads through a {kind} node, not a catalog table")
        if kind == "LogicalRelation":
            table = node.catalogTable()
            if not table.isDefined():
                raise PlanRefused("the analyzed plan reads files by path (a relation with no catalog table)")
            _check_identifier(table.get().identifier(), schema_allowed)
        elif kind == "HiveTableRelation":
            _check_identifier(node.tableMeta().identifier(), schema_allowed)
        for seq in (node.children(), node.innerChildren()):
            for i in range(seq.size()):
                stack.append(seq.apply(i))


def _check_identifier(ident: Any, schema_allowed: Any) -> None:
    catalog = str(ident.catalog().get()) if ident.catalog().isDefined() else "spark_catalog"
    database = str(ident.database().get()) if ident.database().isDefined() else ""
    if not database or not schema_allowed(catalog, database):
        raise PlanRefused(f"table {ident.unquotedString()} is outside the allowed schemas")


def _analyzed_section(explain: str) -> list[str]:
    lines = explain.splitlines()
    try:
        start = lines.index("== Analyzed Logical Plan ==")
    except ValueError:
        raise PlanRefused("Spark returned no analyzed plan to check") from None
    section = []
    for line in lines[start + 2 :]:  # the line after the header is the output schema
        if line.startswith("== "):
            break
        section.append(line)
    while section and not section[-1].strip():
        section.pop()
    if not section:
        raise PlanRefused("Spark returned an empty analyzed plan")
    return section


def _check_plan_text(lines: list[str], schema_allowed: Any) -> None:
    """Check the analyzed plan in EXPLAIN EXTENDED text: every line must be a known node (a string literal that
    spans lines therefore fails closed), and every relation line must name a catalog table."""
    for line in lines:
        body = line[TREE_PREFIX.match(line).end() :]  # type: ignore[union-attr]
        found = TEXT_NODE.match(body)
        name = found.group(1) if found else ""
        kind = TEXT_NAMES.get(name, name)
        if kind not in PLAN_NODES:
            raise PlanRefused(f"the analyzed plan has a node this server does not accept: {body[:60]!r}")
        if kind in CATALOG_RELATIONS:
            rel = (TEXT_RELATION if kind == "LogicalRelation" else TEXT_HIVE_RELATION).match(body)
            if not rel:
                raise PlanRefused("the analyzed plan reads files by path (a relation with no catalog table)")
            if not schema_allowed(rel.group(1), rel.group(2)):
                raise PlanRefused(f"table {'.'.join(rel.groups())} is outside the allowed schemas")


def register_warehouse(session: Any, root: Path) -> list[str]:
    """Register <root>/<schema>/<table>/ parquet folders as tables `schema.table` (names checked, paths quoted)."""
    registered = []
    if not root.is_dir():
        raise EngineUnavailable(f"OCM_TRINO_SPARK_WAREHOUSE {root} is not a folder")
    for schema_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if not NAME_RE.match(schema_dir.name):
            log.warning("skipping warehouse folder with an unusable name: %s", schema_dir.name)
            continue
        session.sql(f"CREATE DATABASE IF NOT EXISTS `{schema_dir.name}`")
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            if not NAME_RE.match(table_dir.name):
                log.warning("skipping warehouse table with an unusable name: %s", table_dir.name)
                continue
            location = str(table_dir.resolve()).replace("\\", "\\\\").replace("'", "\\'")
            name = f"`{schema_dir.name}`.`{table_dir.name}`"
            session.sql(f"CREATE TABLE IF NOT EXISTS {name} USING parquet LOCATION '{location}'")
            if any(c.isPartition for c in session.catalog.listColumns(f"{schema_dir.name}.{table_dir.name}")):
                session.sql(f"MSCK REPAIR TABLE {name}")  # ds=…/ folders: without it the table reads no rows
            registered.append(f"{schema_dir.name}.{table_dir.name}")
    return registered


def _get_json(url: str, timeout_s: float) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return json.loads(resp.read(5_000_000))
    except urllib.error.HTTPError as exc:
        raise EngineUnavailable(f"Spark REST API answered {exc.code} for {url}") from None
    except urllib.error.URLError as exc:  # the connection failed (or timed out while connecting)
        if isinstance(exc.reason, TimeoutError):
            raise RestTimeout(url, timeout_s) from None
        raise EngineUnavailable(f"Spark REST API at {url} is unreachable ({type(exc.reason).__name__})") from None
    except TimeoutError:  # connected, but no answer (or no more of it) in time
        raise RestTimeout(url, timeout_s) from None
    except OSError as exc:
        raise EngineUnavailable(f"Spark REST API at {url} is unreachable ({type(exc).__name__})") from None
    except (http.client.HTTPException, ValueError) as exc:  # a cut or non-JSON answer
        raise EngineUnavailable(f"Spark REST API at {url} gave an unreadable answer ({type(exc).__name__})") from None
