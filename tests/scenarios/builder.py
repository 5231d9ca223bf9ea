"""Materialise one failure scenario into a folder, with the project's own writers, and return each server's env.

A scenario is data (scenarios.py): git commits by several authors, Airflow 3 JSON or Airflow 2 text task logs,
catalog tables with their version history, OpenLineage events, freshness promises, an ownership registry, and (for
the scenarios whose fix is validated on Spark) parquet tables. Gold facts say what an investigation must establish."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from oncall_mcp.suite.demo.airflow_log import SITE, TaskLog
from oncall_mcp.suite.demo.openlineage import task_run, write_events

Frames = list[tuple[str, int, str]]


@dataclass
class Commit:
    author: str  # "Name <email>"
    when: str  # ISO 8601
    message: str
    files: dict[str, str]


@dataclass
class Attempt:
    """One attempt's log: Airflow 3 JSON (`af3`) or Airflow 2 text (`af2`); info lines, then the failure."""

    try_number: int
    lines: list[str]
    exc_type: str | None = None
    exc_value: str = ""
    frames: Frames = field(default_factory=list)
    af2_tail: list[str] = field(default_factory=list)  # Airflow 2 only: lines after the traceback


@dataclass
class Table:
    fqn: str  # service.database.schema.table
    owner: str
    versions: list[tuple[list[tuple[str, str]], str, str]]  # (columns (name, type), updated_by, ISO time), oldest first


@dataclass
class Run:
    """An OpenLineage job run: START + terminal event."""

    job: str
    start: str
    state: str = "COMPLETE"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    error: str | None = None
    minutes: int = 3


@dataclass
class Scenario:
    name: str
    dag_id: str
    run_id: str
    task_id: str
    as_of: str
    repo: str
    commits: list[Commit]
    attempts: list[Attempt]
    log_format: str  # af3 | af2
    teams: list[dict[str, Any]]
    tables: list[Table] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    expectations: list[dict[str, str]] = field(default_factory=list)
    warehouse: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # schema.table -> columns
    gold: dict[str, Any] = field(default_factory=dict)  # fact key -> substring ("a|b": either) or a bool
    waits_on_engine: tuple[str, ...] = ()  # gold keys that need the Spark engine
    engine: bool = False
    namespace: str = "trino://trino.internal:443"


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    base = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    subprocess.run(["git", *args], cwd=repo, env=base, check=True, capture_output=True)


def write_repo(root: Path, commits: list[Commit]) -> None:
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    for c in commits:
        name, _, email = c.author.partition(" <")
        for rel, text in c.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        who = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">"), "GIT_AUTHOR_DATE": c.when}
        who.update(GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email.rstrip(">"), GIT_COMMITTER_DATE=c.when)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", c.message, env=who)


def _af2_line(when: datetime, src: str, level: str, msg: str) -> str:
    return f"[{when.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}+0000] {{{src}}} {level} - {msg}"


def write_logs(root: Path, s: Scenario) -> dict[int, int]:
    """Each attempt's log; returns try number -> 1-based line of the failure."""
    gold: dict[int, int] = {}
    for a in s.attempts:
        start = datetime.fromisoformat(s.as_of) - timedelta(minutes=40 - 10 * a.try_number)
        ti = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{s.name}{a.try_number}"))
        if s.log_format == "af3":
            log = TaskLog(s.dag_id, s.run_id, s.task_id, a.try_number, start, ti)
            log.preamble(f"{s.dag_id}.py", "PythonOperator")
            for line in a.lines:
                log.emit("info", line, logger="task.stdout", filename=None)
            if a.exc_type:
                gold[a.try_number] = log.failure(a.exc_type, a.exc_value, a.frames)
            log.write(root)
            continue
        out = [_af2_line(start, "taskinstance.py:1165", "INFO", f"Starting attempt {a.try_number} of 3")]
        out.append(_af2_line(start, "standard_task_runner.py:57", "INFO", "Started process 4211 to run task"))
        for n, line in enumerate(a.lines):
            out.append(_af2_line(start + timedelta(seconds=n + 1), "logging_mixin.py:188", "INFO", line))
        if a.exc_type:
            when = start + timedelta(seconds=len(a.lines) + 2)
            out.append(_af2_line(when, "taskinstance.py:1937", "ERROR", "Task failed with exception"))
            gold[a.try_number] = len(out)
            out.append("Traceback (most recent call last):")
            for path, lineno, func in a.frames:
                out += [f'  File "{path}", line {lineno}, in {func}', "    result = step()"]
            out.append(f"{a.exc_type}: {a.exc_value}")
        for line in a.af2_tail:
            out.append(
                _af2_line(start + timedelta(seconds=len(a.lines) + 5), "local_task_job_runner.py:234", "INFO", line)
            )
        stamp = (start + timedelta(seconds=len(a.lines) + 6)).strftime("%Y%m%dT%H%M%S")
        out.append(
            _af2_line(
                start + timedelta(seconds=len(a.lines) + 6),
                "taskinstance.py:1400",
                "INFO",
                f"Marking task as FAILED. dag_id={s.dag_id}, task_id={s.task_id}, execution_date={stamp}",
            )
        )
        path = root / f"dag_id={s.dag_id}" / f"run_id={s.run_id}" / f"task_id={s.task_id}"
        path.mkdir(parents=True, exist_ok=True)
        (path / f"attempt={a.try_number}.log").write_text("\n".join(out) + "\n", encoding="utf-8")
    return gold


def _entity(t: Table, version: int, cols: list[tuple[str, str]], by: str, at: str) -> dict[str, Any]:
    parts = t.fqn.split(".")

    def ref(kind: str, n: int) -> dict[str, str]:
        fqn = ".".join(parts[:n])
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, fqn)),
            "type": kind,
            "name": parts[n - 1],
            "fullyQualifiedName": fqn,
        }

    team = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, t.owner)),
        "type": "team",
        "name": t.owner,
        "fullyQualifiedName": t.owner,
    }
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, t.fqn)),
        "name": parts[-1],
        "fullyQualifiedName": t.fqn,
        "description": f"{parts[-1]} table.",
        "tableType": "Regular",
        "columns": [
            {
                "name": name,
                "dataType": dtype,
                "dataTypeDisplay": dtype.lower(),
                "description": f"{name}.",
                "fullyQualifiedName": f"{t.fqn}.{name}",
                "tags": [],
                "ordinalPosition": i,
            }
            for i, (name, dtype) in enumerate(cols, 1)
        ],
        "databaseSchema": ref("databaseSchema", 3),
        "database": ref("database", 2),
        "service": ref("databaseService", 1),
        "serviceType": "Trino",
        "owners": [team],
        "tags": [],
        "version": round(0.1 * version, 1),
        "updatedAt": int(datetime.fromisoformat(at).timestamp() * 1000),
        "updatedBy": by,
        "deleted": False,
    }


def write_catalog(root: Path, tables: list[Table]) -> None:
    from oncall_mcp.servers.openmetadata.catalog_export import write_table

    (root / "tables").mkdir(parents=True, exist_ok=True)
    for t in tables:
        versions = [_entity(t, i, cols, by, at) for i, (cols, by, at) in enumerate(t.versions, 1)]
        write_table(root, versions[-1], versions)


def write_lineage(folder: Path, s: Scenario) -> Path:
    folder.mkdir(parents=True)
    events: list[dict[str, Any]] = []
    for r in s.runs:
        start = datetime.fromisoformat(r.start)
        events += task_run(
            r.job,
            start,
            start + timedelta(minutes=r.minutes),
            state=r.state,
            inputs=[(s.namespace, i) for i in r.inputs],
            outputs=[(s.namespace, o) for o in r.outputs],
            error_message=r.error,
            job_namespace="airflow",
        )
    events.sort(key=lambda e: str(e["eventTime"]))
    write_events(folder / "events.jsonl", events, append=False)
    expectations = folder.parent / "expectations.yaml"
    expectations.write_text(
        yaml.safe_dump({"defaults": {"grace": "20m"}, "datasets": s.expectations}), encoding="utf-8"
    )
    return expectations


def write_warehouse(root: Path, tables: dict[str, list[tuple[str, str]]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "double": pa.float64(), "bigint": pa.int64(), "date": pa.date32()}
    for name, cols in tables.items():
        schema, table = name.split(".")
        folder = root / schema / table
        folder.mkdir(parents=True)
        pq.write_table(pa.table({c: pa.array([], types[t]) for c, t in cols}), folder / "part-00000.parquet")


def materialise(s: Scenario, root: Path, with_engine: bool = True) -> tuple[dict[str, dict[str, str]], dict[int, int]]:
    """Write the scenario under `root`; returns (server name -> env, try number -> failure line)."""
    write_repo(root / "repo", s.commits)
    lines = write_logs(root / "logs", s)
    write_catalog(root / "catalog", s.tables)
    expectations = write_lineage(root / "lineage" / "events", s)
    registry = root / "ownership.yaml"
    registry.write_text(
        yaml.safe_dump({"version": 1, "defaults": {"fallback_team": s.teams[-1]["name"]}, "teams": s.teams}),
        encoding="utf-8",
    )
    (root / "audit").mkdir()
    envs: dict[str, dict[str, str]] = {
        "airflow_logs": {"OCM_AIRFLOW_LOGS_SOURCE": str(root / "logs"), "OCM_AIRFLOW_LOGS_REPO": s.repo},
        "github": {
            "OCM_GITHUB_LOCAL_REPOS": f"{s.repo}={root / 'repo'}",
            "OCM_GITHUB_ALLOW_WRITE": "true",
            "OCM_GITHUB_WRITE_REPOS": s.repo,
        },
        "openmetadata": {"OCM_OPENMETADATA_CATALOG": str(root / "catalog")},
        "lineage": {
            "OCM_LINEAGE_EVENTS": str(root / "lineage" / "events"),
            "OCM_LINEAGE_EXPECTATIONS": str(expectations),
        },
        "ownership": {
            "OCM_OWNERSHIP_REGISTRY": str(registry),
            "OCM_OWNERSHIP_REPO": str(root / "repo"),
            "OCM_OWNERSHIP_DAGS_FOLDER": str(root / "repo" / "dags"),
            "OCM_OWNERSHIP_LINEAGE_EVENTS": str(root / "lineage" / "events"),
        },
    }
    if s.warehouse and with_engine:
        write_warehouse(root / "warehouse", s.warehouse)
        envs["trino"] = {"OCM_TRINO_SPARK_WAREHOUSE": str(root / "warehouse")}
    for name, env in envs.items():
        env[f"OCM_{name.upper()}_AUDIT_FILE"] = str(root / "audit" / f"{name}.jsonl")
    (root / "gold.json").write_text(json.dumps(s.gold, indent=1), encoding="utf-8")
    return envs, lines


def fact_found(facts: dict[str, Any], key: str, expected: Any) -> bool:
    """A gold fact is found when the fact equals it (bools) or its JSON holds one of the `|`-separated substrings."""
    value = facts.get(key)
    if isinstance(expected, bool):
        return value is expected
    if value is None:
        return False
    text = json.dumps(value, default=str).lower()
    return any(alt.lower() in text for alt in str(expected).split("|"))


SITE_PACKAGES = SITE
