"""Owners from OpenLineage events (a .jsonl file or a folder of them).

Read: the job facet `ownership.owners[{name, type}]` (Airflow's provider emits it from the DAG owner), the Airflow run
facet `airflow.dag.owner`/`owner_links`, the dataset facet `ownership.owners[]` on inputs/outputs, and which job
writes which dataset (`outputs`), so a table's producer can be named when no one claims the table itself.
The newest event (by `eventTime`) wins per job and per dataset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oncall_mcp.servers.ownership.uris import parse_dataset_uri
from oncall_mcp.shared.paths import PathRefused, WalkResult, safe_open, walk_confined

MAX_BYTES = 200_000_000
MAX_LINE_BYTES = 5_000_000
SUFFIXES = (".jsonl", ".json", ".ndjson")


@dataclass
class FacetOwners:
    owners: list[str]
    types: list[str]
    location: str
    event_time: str


@dataclass
class LineageOwners:
    jobs: dict[str, FacetOwners] = field(default_factory=dict)  # job name (`dag` or `dag.task`)
    dag_run_owner: dict[str, FacetOwners] = field(default_factory=dict)  # dag_id -> run facet airflow.dag.owner
    datasets: dict[str, FacetOwners] = field(default_factory=dict)  # dataset key (table FQN or s3 URI)
    producers: dict[str, set[str]] = field(default_factory=dict)  # dataset key -> job names writing it
    warnings: list[str] = field(default_factory=list)
    events: int = 0


def dataset_key(namespace: str, name: str) -> str:
    """`s3://bucket` + `path/x` -> `s3://bucket/path/x` (normalized as resolve_owner reads URIs: `s3a://` is
    `s3://`); tables keep their `catalog.schema.table` name."""
    uri = parse_dataset_uri(namespace.rstrip("/") + "/" + name.lstrip("/"))
    if uri is not None and uri.kind == "object":
        return uri.name
    return name


def _owners(facet: Any) -> tuple[list[str], list[str]]:
    names: list[str] = []
    types: list[str] = []
    if isinstance(facet, dict):
        for owner in facet.get("owners") or []:
            if isinstance(owner, dict) and isinstance(owner.get("name"), str) and owner["name"].strip():
                names.append(owner["name"].strip())
                types.append(str(owner.get("type") or ""))
    return names, types


def _newer(current: FacetOwners | None, time: str) -> bool:
    return current is None or time >= current.event_time


def _files(target: Path) -> tuple[list[Path], list[str]]:
    """Event files and the entries skipped (symlinks out of the folder, FIFOs, ...). A configured file is its own
    root; files inside a configured folder must resolve inside it."""
    if not target.is_dir():
        return [target], []
    walked: WalkResult = walk_confined(
        target,
        accept=lambda name: name.endswith(SUFFIXES),
        prune_dir=lambda name: name.startswith("."),
        what="OpenLineage events folder",
    )
    return [f.path for f in walked.files], walked.skipped


def signature(target: Path) -> tuple[tuple[str, float, int], ...]:
    out = []
    for p in _files(target)[0] if target.exists() else []:
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((str(p), st.st_mtime, st.st_size))
    return tuple(out)


def load_lineage(target: Path) -> LineageOwners:
    result = LineageOwners()
    if not target.exists():
        result.warnings.append(f"{target}: OpenLineage events path does not exist")
        return result
    budget = MAX_BYTES
    files, skipped = _files(target)
    result.warnings += skipped
    for path in files:
        rel = path.name
        try:
            with safe_open(target, path, "OpenLineage events file", max_bytes=None) as fh:
                for line_no, raw in enumerate(fh, start=1):
                    budget -= len(raw)
                    if budget < 0:
                        result.warnings.append(f"stopped reading events after {MAX_BYTES} bytes")
                        return result
                    if len(raw) > MAX_LINE_BYTES or not raw.strip():
                        continue
                    try:
                        event = json.loads(raw)
                    except ValueError:
                        result.warnings.append(f"{rel}:{line_no}: not a JSON event; skipped")
                        continue
                    if isinstance(event, dict):
                        _ingest(result, event, f"{rel}:{line_no}")
        except PathRefused as exc:
            result.warnings.append(f"{exc}; skipped")
        except OSError as exc:
            result.warnings.append(f"{rel}: cannot read ({exc.strerror})")
    return result


def _object(value: Any) -> dict[str, Any]:
    """A JSON object from an event, or {} when the field is missing or not an object."""
    return value if isinstance(value, dict) else {}


def _ingest(result: LineageOwners, event: dict[str, Any], location: str) -> None:
    result.events += 1
    time = str(event.get("eventTime") or "")
    job = _object(event.get("job"))
    job_name = job.get("name") if isinstance(job.get("name"), str) else None
    facets = _object(job.get("facets"))
    if job_name:
        names, types = _owners(facets.get("ownership"))
        if names and _newer(result.jobs.get(job_name), time):
            result.jobs[job_name] = FacetOwners(names, types, location, time)
    run = _object(event.get("run"))
    run_facets = _object(run.get("facets"))
    airflow = _object(run_facets.get("airflow"))
    dag = _object(airflow.get("dag"))
    dag_id, owner = dag.get("dag_id"), dag.get("owner")
    if isinstance(dag_id, str) and isinstance(owner, str) and owner.strip():
        names = [o.strip() for o in owner.split(",") if o.strip()]
        if _newer(result.dag_run_owner.get(dag_id), time):
            result.dag_run_owner[dag_id] = FacetOwners(names, [], location, time)
    for direction in ("inputs", "outputs"):
        for ds in event.get(direction) or []:
            if not isinstance(ds, dict) or not isinstance(ds.get("name"), str):
                continue
            key = dataset_key(str(ds.get("namespace") or ""), ds["name"])
            ds_facets = _object(ds.get("facets"))
            names, types = _owners(ds_facets.get("ownership"))
            if names and _newer(result.datasets.get(key), time):
                result.datasets[key] = FacetOwners(names, types, location, time)
            if direction == "outputs" and job_name:
                result.producers.setdefault(key, set()).add(job_name)
