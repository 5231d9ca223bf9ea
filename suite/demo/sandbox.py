"""Builds the demo sandbox: a git repo of DAGs and SQL, Airflow 3 task logs, a parquet warehouse, an exported
OpenMetadata catalog with schema history, OpenLineage events with one late upstream, an ownership registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oncall_mcp.suite.demo import scenario as sc
from oncall_mcp.suite.demo.airflow_log import SITE, TaskLog


@dataclass
class Sandbox:
    root: Path

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog"

    @property
    def events(self) -> Path:
        return self.root / "lineage" / "events"

    @property
    def expectations(self) -> Path:
        return self.root / "lineage" / "expectations.yaml"

    @property
    def registry(self) -> Path:
        return self.root / "ownership" / "registry.yaml"

    def env(self) -> dict[str, dict[str, str]]:
        """Per-server environment pointing every server at the sandbox (stdio, local backends only)."""
        (self.root / "audit").mkdir(exist_ok=True)
        envs = self._env()
        for name, env in envs.items():
            env[f"OCM_{name.upper()}_AUDIT_FILE"] = str(self.root / "audit" / f"{name}.jsonl")
        return envs

    def _env(self) -> dict[str, dict[str, str]]:
        return {
            "airflow_logs": {"OCM_AIRFLOW_LOGS_SOURCE": str(self.logs)},
            "github": {
                "OCM_GITHUB_LOCAL_REPOS": f"{sc.REPO_NAME}={self.repo}",
                "OCM_GITHUB_ALLOW_WRITE": "true",
                "OCM_GITHUB_WRITE_REPOS": sc.REPO_NAME,
            },
            "trino": {"OCM_TRINO_SPARK_WAREHOUSE": str(self.warehouse)},
            "openmetadata": {"OCM_OPENMETADATA_CATALOG": str(self.catalog)},
            "lineage": {"OCM_LINEAGE_EVENTS": str(self.events), "OCM_LINEAGE_EXPECTATIONS": str(self.expectations)},
            "ownership": {
                "OCM_OWNERSHIP_REGISTRY": str(self.registry),
                "OCM_OWNERSHIP_REPO": str(self.repo),
                "OCM_OWNERSHIP_DAGS_FOLDER": str(self.repo / "dags"),
                "OCM_OWNERSHIP_LINEAGE_EVENTS": str(self.events),
            },
        }


def build(root: Path) -> Sandbox:
    """Create (or recreate) the sandbox under `root`."""
    root = root.resolve()
    if root.exists():
        shutil.rmtree(root)
    box = Sandbox(root)
    _repo(box.repo)
    gold = _logs(box.logs)
    _warehouse(box.warehouse)
    _catalog(box.catalog)
    _lineage(box.events, box.expectations)
    box.registry.parent.mkdir(parents=True, exist_ok=True)
    box.registry.write_text(sc.REGISTRY, encoding="utf-8")
    (root / "expected.json").write_text(json.dumps(gold, indent=1) + "\n", encoding="utf-8")
    return box


# -- git repo --


def _git(repo: Path, *args: str, author: tuple[str, str] | None = None, when: str | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if author:
        env.update(
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
            GIT_COMMITTER_NAME=author[0],
            GIT_COMMITTER_EMAIL=author[1],
        )
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _commit(repo: Path, files: dict[str, str], message: str, author: tuple[str, str], when: str) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, author=author, when=when)


def _repo(repo: Path) -> None:
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    alice, bob, dave = (
        ("Alice Analyst", "alice@acme.example"),
        ("Bob Builder", "bob@acme.example"),
        ("Dave Orders", "dave@acme.example"),
    )
    _commit(
        repo,
        {
            "README.md": "# pipelines\n\nAirflow DAGs of the data team.\n",
            ".github/CODEOWNERS": sc.CODEOWNERS,
            "dags/orders_ingest.py": sc.ORDERS_DAG,
            "dags/sql/clean_orders.sql": sc.CLEAN_ORDERS_SQL,
        },
        "orders_ingest: hourly extract and clean of orders",
        dave,
        "2026-09-01T10:00:00+00:00",
    )
    _commit(
        repo,
        {"dags/reports_daily.py": sc.REPORTS_DAG, "dags/sql/load_reports.sql": sc.LOAD_REPORTS_SQL_V1},
        "reports_daily: daily restaurant report",
        alice,
        "2026-10-01T09:30:00+00:00",
    )
    _commit(
        repo,
        {"dags/revenue_hourly.py": sc.REVENUE_DAG, "dags/sql/build_revenue.sql": sc.BUILD_REVENUE_SQL},
        "revenue_hourly: hourly revenue mart with orders sensor",
        bob,
        "2026-10-15T14:00:00+00:00",
    )
    _commit(
        repo,
        {"dags/sql/load_reports.sql": sc.LOAD_REPORTS_SQL},
        "load_reports: add revenue per restaurant",
        bob,
        "2026-11-02T16:45:00+00:00",
    )


# -- task logs --

TRINO_FRAMES = [
    (f"{SITE}/airflow/providers/common/sql/operators/sql.py", 562, "execute"),
    (f"{SITE}/airflow/providers/common/sql/hooks/sql.py", 675, "run"),
    (f"{SITE}/airflow/providers/common/sql/hooks/sql.py", 734, "_run_command"),
    (f"{SITE}/trino/dbapi.py", 614, "execute"),
    (f"{SITE}/trino/client.py", 900, "fetch"),
    (f"{SITE}/trino/client.py", 704, "process"),
]


def _render_sql(sql: str, ds: str) -> str:
    return sql.replace("{{ ds }}", ds)


def _load_reports_log(try_number: int, start: datetime) -> TaskLog:
    c = sc.CASE1
    log = TaskLog(
        c["dag_id"],
        c["run_id"],
        c["task_id"],
        try_number,
        start,
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"lr{try_number}")),
    )
    log.preamble("reports_daily.py", "SQLExecuteQueryOperator")
    log.emit(
        "info",
        "Using connection ID 'trino_default' for task execution.",
        logger="airflow.task.hooks",
        filename="base.py",
        lineno=84,
    )
    log.emit(
        "warning",
        "InsecureRequestWarning: Unverified HTTPS request is being made to host 'trino.internal'.",
        logger="task.stderr",
        filename=None,
    )
    log.emit("error", "  warnings.warn(", logger="task.stderr", filename=None)
    query_id = f"20261122_0600{10 + try_number}_0004{try_number}_x7k2p"
    sql = _render_sql(sc.LOAD_REPORTS_SQL, c["ds"])
    log.emit(
        "info",
        f"Running statement: {sql}, parameters: None",
        logger="airflow.task.hooks.airflow.providers.trino.hooks.trino.TrinoHook",
        filename="sql.py",
        lineno=896,
    )
    for n in range(40):
        log.emit(
            "debug",
            f"http request {n}: POST https://trino.internal:443/v1/statement 200",
            logger="trino.client",
            filename="client.py",
            lineno=480,
            step_ms=50,
        )
    message = "line 6:5: Column 'r.open_date' cannot be resolved"
    log.gold_line = log.failure(
        "TrinoUserError",
        f'TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message="{message}", query_id={query_id})',
        TRINO_FRAMES,
    )
    return log


def _sensor_log(start: datetime) -> TaskLog:
    c = sc.CASE2
    log = TaskLog(c["dag_id"], c["run_id"], c["task_id"], 1, start, str(uuid.uuid5(uuid.NAMESPACE_URL, "wfo")))
    log.preamble("revenue_hourly.py", "SqlSensor")
    sql = "SELECT count(*) FROM lake.staging.orders_clean WHERE order_date = DATE '2026-11-22'"
    for n in range(12):
        log.emit(
            "info",
            f"Poking: {sql} (with parameters None)",
            step_ms=300_000,
            logger="airflow.task.operators.airflow.providers.common.sql.sensors.sql.SqlSensor",
            filename="sql.py",
            lineno=98,
        )
        log.emit(
            "info",
            "Records returned: [(0,)]",
            logger="airflow.task.operators.airflow.providers.common.sql.sensors.sql.SqlSensor",
            filename="sql.py",
            lineno=115,
        )
        if n == 5:
            log.emit(
                "error",
                "Retrying (Retry(total=2)) after connection broken by 'ReadTimeoutError' /v1/statement",
                logger="task.stderr",
                filename=None,
            )
    log.gold_line = log.failure(
        "AirflowSensorTimeout",
        "Sensor has timed out; run duration of 3600.412 seconds exceeds the specified timeout of 3600.0.",
        [(f"{SITE}/airflow/sdk/bases/sensor.py", 251, "execute")],
    )
    return log


def _extract_log(run_hour: int, start: datetime) -> TaskLog:
    run_id = f"scheduled__2026-11-{21 if run_hour >= 22 else 22}T{run_hour:02d}:05:00+00:00"
    log = TaskLog("orders_ingest", run_id, "extract_orders", 1, start, str(uuid.uuid5(uuid.NAMESPACE_URL, run_id)))
    log.preamble("orders_ingest.py", "@task")
    log.emit("info", "Connecting to orders_db", logger="task.stdout", filename=None, context=False)
    log.failure(
        "OperationalError",
        'connection to server at "orders-db.internal" (10.0.3.12), port 5432 failed: timeout expired',
        [
            ("/opt/airflow/dags/orders_ingest.py", 20, "extract_orders"),
            ("/opt/airflow/plugins/orders_pipeline/extract.py", 41, "copy_new_orders"),
            (f"{SITE}/psycopg2/__init__.py", 122, "connect"),
        ],
    )
    return log


def _ok_log(dag_id: str, run_id: str, task_id: str, start: datetime) -> TaskLog:
    log = TaskLog(dag_id, run_id, task_id, 1, start, str(uuid.uuid5(uuid.NAMESPACE_URL, dag_id + run_id + task_id)))
    log.preamble(f"{dag_id}.py", "SQLExecuteQueryOperator")
    log.emit("info", "Rows affected: 1842", logger="airflow.task.hooks", filename="sql.py", lineno=910)
    log.emit("info", "Marking task as SUCCESS. dag_id=..., task_id=...", lineno=1500)
    return log


def _logs(root: Path) -> dict[str, int]:
    day = datetime(2026, 11, 21, 6, 0, 5, tzinfo=UTC)
    _ok_log("reports_daily", "scheduled__2026-11-20T06:00:00+00:00", "load_reports", day - timedelta(days=1)).write(
        root
    )
    _load_reports_log(1, datetime(2026, 11, 22, 6, 0, 10, tzinfo=UTC)).write(root)
    last_try = _load_reports_log(2, datetime(2026, 11, 22, 6, 5, 40, tzinfo=UTC))
    last_try.write(root)
    sensor = _sensor_log(datetime(2026, 11, 22, 5, 0, 3, tzinfo=UTC))
    sensor.write(root)
    for hour in (22, 23, 0, 1):
        start = datetime(2026, 11, 21 if hour >= 22 else 22, hour, 5, 2, tzinfo=UTC)
        _extract_log(hour, start).write(root)
    return {"case1_root_cause_line": last_try.gold_line, "case2_root_cause_line": sensor.gold_line}


# -- warehouse (parquet tables Spark registers at start) --


def _warehouse(root: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = {
        ("reports", "restaurants"): pa.table(
            {
                "restaurant_id": pa.array([1, 2, 3], pa.int64()),
                "name": ["Trattoria Roma", "Sushi Kai", "Taco Loco"],
                "city": ["Berlin", "Hamburg", "Berlin"],
                "start_date": pa.array([dt.date(2019, 5, 1), dt.date(2021, 3, 15), dt.date(2024, 7, 9)], pa.date32()),
                "cuisine": ["italian", "japanese", "mexican"],
            }
        ),
        ("staging", "orders_clean"): pa.table(
            {
                "order_id": pa.array([10, 11, 12], pa.int64()),
                "restaurant_id": pa.array([1, 1, 2], pa.int64()),
                "amount": [23.5, 12.0, 48.9],
                "order_date": pa.array([dt.date(2026, 11, 21)] * 3, pa.date32()),
                "ordered_at": pa.array([dt.datetime(2026, 11, 21, 12, 0)] * 3, pa.timestamp("us")),
            }
        ),
        ("reports", "daily_restaurant_report"): pa.table(
            {
                "restaurant_id": pa.array([], pa.int64()),
                "name": pa.array([], pa.string()),
                "city": pa.array([], pa.string()),
                "start_date": pa.array([], pa.date32()),
                "orders": pa.array([], pa.int64()),
                "revenue": pa.array([], pa.float64()),
            }
        ),
    }
    for (schema, name), table in tables.items():
        folder = root / schema / name
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-00000.parquet")


# -- OpenMetadata catalog export --


def _column(name: str, dtype: str, desc: str, pos: int, display: str | None = None) -> dict[str, object]:
    return {
        "name": name,
        "dataType": dtype,
        "dataTypeDisplay": display or dtype.lower(),
        "description": desc,
        "fullyQualifiedName": "",
        "tags": [],
        "ordinalPosition": pos,
    }


def _table_versions() -> dict[str, list[dict[str, object]]]:
    """Table entities, each with its version history (oldest first), in OpenMetadata's own Table JSON format."""
    team = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "team-analytics")),
        "type": "team",
        "name": "analytics-eng",
        "fullyQualifiedName": "analytics-eng",
        "displayName": "Analytics Engineering",
    }
    orders_team = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "team-orders")),
        "type": "team",
        "name": "orders-platform",
        "fullyQualifiedName": "orders-platform",
        "displayName": "Orders Platform",
    }
    base_cols = [
        _column("restaurant_id", "BIGINT", "Surrogate key of the restaurant.", 1),
        _column("name", "VARCHAR", "Public name of the restaurant.", 2, "varchar"),
        _column("city", "VARCHAR", "City where the restaurant operates.", 3, "varchar"),
    ]
    opened = "Date the restaurant opened for business."
    v1 = [*base_cols, _column("open_date", "DATE", opened, 4)]
    v2 = [*v1, _column("cuisine", "VARCHAR", "Cuisine category.", 5, "varchar")]
    cuisine = _column("cuisine", "VARCHAR", "Cuisine category.", 5, "varchar")
    v3 = [*base_cols, _column("start_date", "DATE", opened, 4), cuisine]
    fqn = "trino.lake.reports.restaurants"
    rid = str(uuid.uuid5(uuid.NAMESPACE_URL, fqn))

    def entity(
        version: float,
        cols: list[dict[str, object]],
        by: str,
        at: datetime,
        fqn: str = fqn,
        tid: str = rid,
        owners: list[dict[str, str]] | None = None,
        desc: str = "",
    ) -> dict[str, object]:
        name = fqn.split(".")[-1]
        columns = [{**c, "fullyQualifiedName": f"{fqn}.{c['name']}"} for c in cols]
        return {
            "id": tid,
            "name": name,
            "fullyQualifiedName": fqn,
            "description": desc,
            "tableType": "Regular",
            "columns": columns,
            "databaseSchema": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, fqn.rsplit(".", 1)[0])),
                "type": "databaseSchema",
                "name": fqn.split(".")[2],
                "fullyQualifiedName": fqn.rsplit(".", 1)[0],
            },
            "database": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, ".".join(fqn.split(".")[:2]))),
                "type": "database",
                "name": fqn.split(".")[1],
                "fullyQualifiedName": ".".join(fqn.split(".")[:2]),
            },
            "service": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "trino")),
                "type": "databaseService",
                "name": "trino",
                "fullyQualifiedName": "trino",
            },
            "serviceType": "Trino",
            "owners": owners if owners is not None else [team],
            "tags": [{"tagFQN": "Tier.Tier2", "source": "Classification", "labelType": "Manual", "state": "Confirmed"}],
            "version": version,
            "updatedAt": int(at.timestamp() * 1000),
            "updatedBy": by,
            "deleted": False,
        }

    restaurants_desc = "One row per restaurant on the platform."
    history = [
        entity(0.1, v1, "ingestion-bot", datetime(2026, 6, 1, tzinfo=UTC), desc=restaurants_desc),
        entity(0.2, v2, "ingestion-bot", datetime(2026, 8, 12, tzinfo=UTC), desc=restaurants_desc),
        entity(0.3, v2, "alice", datetime(2026, 9, 3, tzinfo=UTC), desc=restaurants_desc + " Source: CRM export."),
        entity(
            0.4,
            v3,
            "platform-migrations",
            datetime(2026, 11, 20, 14, 12, tzinfo=UTC),
            desc=restaurants_desc + " Source: CRM export.",
        ),
    ]
    out: dict[str, list[dict[str, object]]] = {fqn: history}
    others = {
        "trino.lake.staging.orders_clean": (
            [
                _column("order_id", "BIGINT", "Order key.", 1),
                _column("restaurant_id", "BIGINT", "Restaurant key.", 2),
                _column("amount", "DOUBLE", "Order total in EUR.", 3),
                _column("order_date", "DATE", "Day ordered.", 4),
                _column("ordered_at", "TIMESTAMP", "When the order was placed.", 5),
            ],
            orders_team,
            "Cleaned orders, one row per order.",
        ),
        "trino.lake.raw.orders": (
            [
                _column("order_id", "BIGINT", "Order key.", 1),
                _column("restaurant_id", "BIGINT", "Restaurant key.", 2),
                _column("amount", "DOUBLE", "Order total.", 3),
                _column("ordered_at", "TIMESTAMP", "Order time.", 4),
            ],
            orders_team,
            "Raw orders copied hourly from the orders database.",
        ),
        "trino.lake.reports.daily_restaurant_report": (
            [
                _column("restaurant_id", "BIGINT", "Restaurant key.", 1),
                _column("name", "VARCHAR", "Name.", 2),
                _column("city", "VARCHAR", "City.", 3),
                _column("start_date", "DATE", "Opening date.", 4),
                _column("orders", "BIGINT", "Orders that day.", 5),
                _column("revenue", "DOUBLE", "Revenue.", 6),
            ],
            team,
            "Daily orders and revenue per restaurant.",
        ),
    }
    for other_fqn, (cols, owner, desc) in others.items():
        out[other_fqn] = [
            entity(
                0.1,
                cols,
                "ingestion-bot",
                datetime(2026, 6, 1, tzinfo=UTC),
                other_fqn,
                str(uuid.uuid5(uuid.NAMESPACE_URL, other_fqn)),
                [owner],
                desc,
            )
        ]
    return out


def _catalog(root: Path) -> None:
    """Write the catalog in the layout the openmetadata server reads (tables/<fqn>.json + versions)."""
    from oncall_mcp.servers.openmetadata.catalog_export import write_table  # the server's documented export layout

    for versions in _table_versions().values():
        write_table(root, versions[-1], versions)


# -- OpenLineage events --


EXTRACT_ERROR = 'OperationalError: connection to server at "orders-db.internal" (10.0.3.12), port 5432 failed: timeout'


def _ol_event(
    event_type: str,
    job: str,
    when: datetime,
    run_id: str,
    inputs: list[str],
    outputs: list[str],
    error: str | None = None,
    owners: list[str] | None = None,
) -> dict[str, object]:
    run_facets: dict[str, object] = {}
    if error:
        run_facets["errorMessage"] = {
            "_producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.7.0",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json",
            "message": error,
            "programmingLanguage": "python",
        }
    job_facets: dict[str, object] = {}
    if owners:
        job_facets["ownership"] = {
            "_producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.7.0",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
            "owners": [{"name": o, "type": "team"} for o in owners],
        }

    def ds(name: str) -> dict[str, object]:
        return {"namespace": sc.TRINO_NS, "name": name, "facets": {}}

    return {
        "eventTime": when.isoformat().replace("+00:00", "Z"),
        "eventType": event_type,
        "producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.7.0",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": run_facets},
        "job": {"namespace": "airflow", "name": job, "facets": job_facets},
        "inputs": [ds(i) for i in inputs],
        "outputs": [ds(o) for o in outputs],
    }


def _lineage(folder: Path, expectations: Path) -> None:
    folder.mkdir(parents=True)
    events: list[dict[str, object]] = []
    start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    hour = start
    while hour <= sc.AS_OF:
        extract_ok = hour < datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
        rid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"extract{hour}"))
        t = hour + timedelta(minutes=5)
        if t > sc.AS_OF:
            break
        events.append(_ol_event("START", "orders_ingest.extract_orders", t, rid, [], [], owners=["orders-platform"]))
        if extract_ok:
            events.append(
                _ol_event(
                    "COMPLETE",
                    "orders_ingest.extract_orders",
                    t + timedelta(minutes=3),
                    rid,
                    [],
                    ["lake.raw.orders"],
                    owners=["orders-platform"],
                )
            )
            crid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"clean{hour}"))
            ct = hour + timedelta(minutes=12)
            events.append(_ol_event("START", "orders_ingest.quality.clean_orders", ct, crid, ["lake.raw.orders"], []))
            events.append(
                _ol_event(
                    "COMPLETE",
                    "orders_ingest.quality.clean_orders",
                    ct + timedelta(minutes=2),
                    crid,
                    ["lake.raw.orders"],
                    ["lake.staging.orders_clean"],
                )
            )
            rrid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"rev{hour}"))
            rt = hour + timedelta(minutes=30)
            events.append(
                _ol_event(
                    "COMPLETE",
                    "revenue_hourly.build_revenue",
                    rt,
                    rrid,
                    ["lake.staging.orders_clean"],
                    ["lake.marts.revenue_hourly"],
                )
            )
        else:
            events.append(
                _ol_event(
                    "FAIL",
                    "orders_ingest.extract_orders",
                    t + timedelta(minutes=2),
                    rid,
                    [],
                    ["lake.raw.orders"],
                    error=EXTRACT_ERROR,
                    owners=["orders-platform"],
                )
            )
        if hour.hour == 6:
            lrid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"lr{hour}"))
            done = hour.date() < datetime(2026, 11, 22, tzinfo=UTC).date()
            events.append(
                _ol_event(
                    "COMPLETE" if done else "FAIL",
                    "reports_daily.load_reports",
                    hour + timedelta(minutes=2),
                    lrid,
                    ["lake.reports.restaurants", "lake.staging.orders_clean"],
                    ["lake.reports.daily_restaurant_report"],
                    error=None if done else "TrinoUserError: Column 'r.open_date' cannot be resolved",
                )
            )
        hour += timedelta(hours=1)
    wrid = str(uuid.uuid5(uuid.NAMESPACE_URL, "wait"))
    events.append(
        _ol_event(
            "FAIL",
            "revenue_hourly.wait_for_orders",
            datetime(2026, 11, 22, 6, 0, 4, tzinfo=UTC),
            wrid,
            ["lake.staging.orders_clean"],
            [],
            error="AirflowSensorTimeout: Sensor has timed out; run duration of 3600.412 seconds",
        )
    )
    events.sort(key=lambda e: str(e["eventTime"]))
    with (folder / "events.jsonl").open("w", encoding="utf-8") as fh:
        for e in events:
            fh.write(json.dumps(e) + "\n")
    expectations.write_text(sc.EXPECTATIONS, encoding="utf-8")
