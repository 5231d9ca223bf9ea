"""Airflow DAG owners read from DAG files with `ast` only: DAG files are never imported or executed.

Parsing is the suite's one DAG parser (`oncall_mcp.shared.dagparse`, shared with `github`), so task ids are full
Airflow task ids (`grp.load` for `load` inside `TaskGroup("grp")`) and every shape it understands (`DAG(...)`,
`with DAG`, `@dag`, TaskGroups, `@task`, dynamic task mapping, `default_args` inline, by module-level name,
`dict(...)`, `{**base, ...}`, `owner_links=`) is understood here too. A task's owner is its own `owner=` (or its
TaskGroup's `default_args` owner); the DAG's `default_args` owner is the fallback the resolver applies. Ids and
owners computed at run time (unresolvable f-strings, function calls) are not guessed; tasks that cannot be tied to
one of several DAGs in a file are left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from oncall_mcp.shared.dagparse import parse_dag_file
from oncall_mcp.shared.paths import PathRefused, WalkResult, read_text_confined, walk_confined

MAX_FILE_BYTES = 2_000_000
MAX_FILES = 20_000


@dataclass
class TaskOwner:
    task_id: str
    owners: list[str]  # the task's own owner (task `owner=` or its TaskGroup's default_args), split on commas
    line: int


@dataclass
class DagInfo:
    dag_id: str
    file: Path
    line: int
    owners: list[str] = field(default_factory=list)  # default_args owner, split on commas
    owner_line: int = 0
    owner_links: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, TaskOwner] = field(default_factory=dict)


def split_owners(value: str) -> list[str]:
    return [o.strip() for o in value.split(",") if o.strip()]


def parse_dag_source(text: str, path: Path) -> list[DagInfo]:
    """DAGs declared in one file's source; raises SyntaxError on unparsable Python."""
    out: list[DagInfo] = []
    for dag in parse_dag_file(text, str(path)):
        if dag.dag_id.pattern is not None:
            continue  # a DAG id computed at run time cannot be looked up by name
        info = DagInfo(
            dag_id=dag.dag_id.text,
            file=path,
            line=dag.start,
            owners=split_owners(dag.owner) if dag.owner else [],
            owner_line=dag.owner_line or 0,
            owner_links=dict(dag.owner_links),
        )
        for task in dag.tasks:
            if task.task_id.pattern is not None or task.ambiguous:
                continue
            owners = split_owners(task.owner) if task.owner else []
            info.tasks.setdefault(
                task.task_id.text, TaskOwner(task.task_id.text, owners, task.owner_line or task.start)
            )
        out.append(info)
    return out


@dataclass
class DagFolder:
    dags: dict[str, DagInfo] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


_cache: dict[Path, tuple[tuple[float, int], list[DagInfo], str | None]] = {}

Signature = tuple[tuple[str, float, int], ...]


def _walk(folder: Path) -> WalkResult:
    return walk_confined(
        folder,
        accept=lambda name: name.endswith(".py"),
        prune_dir=lambda name: name.startswith((".", "__")),
        what="DAG folder",
        max_files=MAX_FILES,
    )


def scan_signature(folder: Path) -> Signature:
    """(path, mtime, size) of every candidate DAG file; cheap enough to compare on a timer.

    Only regular files resolving inside the folder count: FIFOs, devices and symlinks leading out are left out here
    and reported by `load_dag_folder`."""
    return tuple((str(f.path), f.mtime, f.size) for f in _walk(folder).files)


def load_dag_folder(folder: Path, signature: Signature | None = None) -> DagFolder:
    result = DagFolder()
    walked = _walk(folder)
    result.warnings += [w for w in walked.skipped if not w.startswith("stopped after")]
    if len(walked.files) >= MAX_FILES:
        result.warnings.append(f"stopped after {MAX_FILES} DAG files")
    for p, mtime, size in signature if signature is not None else scan_signature(folder):
        path = Path(p)
        rel = Path(os.path.relpath(path, os.path.realpath(folder))).as_posix()
        if size > MAX_FILE_BYTES:
            result.warnings.append(f"{rel}: larger than {MAX_FILE_BYTES} bytes; skipped")
            continue
        cached = _cache.get(path)
        if cached and cached[0] == (mtime, size):
            dags, problem = cached[1], cached[2]
        else:
            dags, problem = [], None
            try:
                text = read_text_confined(folder, path, "DAG file", MAX_FILE_BYTES, errors="replace")
                # Airflow's safe mode: only files mentioning both words can define DAGs.
                if "airflow" in text.lower() and "dag" in text.lower():
                    dags = parse_dag_source(text, path)
            except PathRefused as exc:
                problem = f"{exc}; skipped"
            except SyntaxError as exc:
                problem = f"{rel}:{exc.lineno}: not valid Python ({exc.msg}); skipped"
            except (OSError, RecursionError, ValueError) as exc:
                problem = f"{rel}: cannot parse ({type(exc).__name__}); skipped"
            _cache[path] = ((mtime, size), dags, problem)
        if problem:
            result.warnings.append(problem)
        for info in dags:
            if info.dag_id in result.dags:
                first = result.dags[info.dag_id]
                result.warnings.append(
                    f"{rel}:{info.line}: DAG id {info.dag_id!r} also defined in {first.file.name}:{first.line}"
                )
                continue
            result.dags[info.dag_id] = info
    return result
