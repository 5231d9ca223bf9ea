"""locate_task: from (dag_id, task_id) to the DAG file, the task's lines and the SQL/script it references."""

from __future__ import annotations

import difflib
import posixpath

from oncall_mcp.servers.github.backend import Backend, BackendError, Ref
from oncall_mcp.servers.github.dagindex import RefIndex
from oncall_mcp.servers.github.models import LocateResult, ResolvedFile, TaskLocation
from oncall_mcp.servers.github.text import decode_text, numbered
from oncall_mcp.shared.budget import CHARS_PER_TOKEN, Truncation, estimate_tokens
from oncall_mcp.shared.dagparse import PATH_EXTENSIONS, DagDef, TaskDef
from oncall_mcp.shared.errors import ToolError, not_found


def match_task(dag: DagDef, task_id: str) -> list[TaskDef]:
    exact = [t for t in dag.tasks if t.task_id.pattern is None and t.task_id.text == task_id]
    if exact:
        return exact
    pattern = [t for t in dag.tasks if t.task_id.pattern is not None and t.task_id.matches(task_id)]
    if pattern:
        return pattern
    # group prefix we could not compute (a @task used inside a TaskGroup), or the caller left the prefix out
    return [
        t
        for t in dag.tasks
        if t.task_id.pattern is None
        and (task_id.endswith("." + t.task_id.text) or t.task_id.text.endswith("." + task_id))
    ]


def path_tokens(value: str) -> list[str]:
    if "\n" in value or len(value) > 400:
        return []
    out = []
    for tok in value.split():
        tok = tok.strip("'\";,()")
        if tok.lower().endswith(tuple(e.lower() for e in PATH_EXTENSIONS)) and "{{" not in tok and "://" not in tok:
            out.append(tok)
    return out


def resolve_path(
    token: str, dag_path: str, searchpath: list[str], index: RefIndex, extra_folders: list[str]
) -> tuple[str, str] | None:
    dag_dir = posixpath.dirname(dag_path)
    cands: list[tuple[str, str]] = []
    if token.startswith("/"):
        parts = [p for p in token.split("/") if p]
        cands += [("/".join(parts[i:]), f"suffix of absolute path {token}") for i in range(len(parts))]
    else:
        cands.append((posixpath.join(dag_dir, token), "relative to the DAG file's folder"))
        for sp in searchpath:
            if sp.startswith("/"):
                parts = [p for p in sp.split("/") if p]
                for i in range(len(parts)):
                    d = "/".join(parts[i:])
                    if d in index.dirs:
                        cands.append((posixpath.join(d, token), f"template_searchpath {sp} (repo folder {d})"))
            else:
                cands.append((posixpath.join(dag_dir, sp, token), f"template_searchpath {sp} (relative to DAG)"))
                cands.append((posixpath.join(sp, token), f"template_searchpath {sp} (relative to repo root)"))
        cands.append((token, "relative to the repo root"))
        cands += [(posixpath.join(f, token), f"configured folder {f}") for f in extra_folders]
    for cand, how in cands:
        norm = posixpath.normpath(cand)
        if not norm.startswith("..") and norm in index.paths:
            return norm, how
    suffix = "/" + token.lstrip("/").removeprefix("./")
    matches = [p for p in index.paths if p.endswith(suffix)]
    if len(matches) == 1:
        return matches[0], "the only file in the repo with this path suffix"
    return None


def locate(
    backend: Backend,
    ref: Ref,
    index: RefIndex,
    dag_id: str,
    task_id: str,
    extra_folders: list[str],
    max_file_bytes: int,
    budget_tokens: int,
) -> LocateResult:
    hits = index.find(dag_id)
    where = ", ".join(f or "(repo root)" for f in index.folders)
    if not hits:
        names = list(index.dags)
        close = difflib.get_close_matches(dag_id, names, n=8, cutoff=0.5)
        raise not_found(
            "DAG",
            dag_id,
            close,
            f"searched {index.files_scanned} Python files under {where} at "
            f"{ref.label} ({ref.sha[:12]}); DAGs are found by DAG(...), @dag and `with DAG`",
        )
    notes: list[str] = []
    if len(hits) > 1:
        notes.append(
            f"dag_id {dag_id!r} is defined in {len(hits)} files: {', '.join(p for p, _ in hits[:5])}; "
            f"showing {hits[0][0]}"
        )
    if index.capped:
        notes.append("the repo has more DAG files than OCM_GITHUB_MAX_INDEX_FILES; some were not indexed")
    dag_path, dag = hits[0]
    if dag.dag_id.pattern is not None:
        notes.append(f"DAG id is built dynamically in code: {dag.dag_id.text}")
    tasks = match_task(dag, task_id)
    if not tasks:
        ids = [t.task_id.text for t in dag.tasks]
        close = difflib.get_close_matches(task_id, ids, n=8, cutoff=0.3) or ids[:10]
        raise not_found(
            "task",
            task_id,
            close,
            f"DAG {dag_id!r} in {dag_path} (lines {dag.start}-{dag.end}) "
            f"defines {len(ids)} task(s) the parser could see",
        )
    if len(tasks) > 1:
        notes.append(f"{len(tasks)} task definitions match {task_id!r}; showing the first")
    task = tasks[0]
    if task.task_id.pattern is not None:
        notes.append(f"task id is built dynamically in code: {task.task_id.text}")
    if dag.ambiguous_tasks:
        notes.append("the file defines several DAGs and the task is not inside one; it may belong to another")

    files: list[ResolvedFile] = []
    unresolved: list[str] = []
    for arg, values in task.strings.items():
        for value in values:
            for tok in path_tokens(value):
                found = resolve_path(tok, dag_path, dag.template_searchpath, index, extra_folders)
                if found is None:
                    unresolved.append(f"{arg}={tok}")
                    continue
                path, how = found
                if any(f.path == path for f in files):
                    continue
                files.append(
                    ResolvedFile(path=path, argument=arg, resolved_via=how, start_line=1, end_line=1, total_lines=0)
                )
    if unresolved:
        notes.append("referenced files not found in the repo at this ref: " + ", ".join(unresolved[:10]))

    result = LocateResult(
        repo=backend.name,
        ref=ref.label,
        commit=ref.sha,
        dag_id=dag_id,
        dag_path=dag_path,
        dag_start_line=dag.start,
        dag_end_line=dag.end,
        template_searchpath=dag.template_searchpath,
        task=TaskLocation(
            task_id=task.task_id.text,
            operator=task.operator,
            path=dag_path,
            start_line=task.start,
            end_line=task.end,
            task_group=task.group,
            arguments=task.args,
        ),
        resolved_files=files,
        notes=notes,
        next_steps=(
            "Read the code with get_file(repo, path, start_line, end_line); see what changed with "
            f"recent_changes(repo, [{dag_path!r}{''.join(', ' + repr(f.path) for f in files)}]); who wrote a line "
            "with blame. Check referenced tables with the openmetadata server and validate a corrected query with "
            "the trino server before create_fix_pr."
        ),
    )
    _fill_previews(backend, ref, result, max_file_bytes, budget_tokens)
    return result


def _fill_previews(backend: Backend, ref: Ref, result: LocateResult, max_file_bytes: int, budget_tokens: int) -> None:
    omitted = 0
    for f in result.resolved_files:
        try:
            raw = backend.read_file(ref.sha, f.path, max_file_bytes)
            lines = decode_text(raw, f.path).splitlines()
        except (BackendError, ToolError) as exc:
            result.notes.append(f"{f.path}: {exc}")
            continue
        f.total_lines = len(lines)
        f.end_line = max(1, len(lines))
        room = (budget_tokens - estimate_tokens(result.model_dump_json())) * CHARS_PER_TOKEN
        preview, kept = numbered(lines, 1, room)
        f.preview = preview
        f.preview_truncated = kept < len(lines)
        if f.preview_truncated:
            omitted += len(lines) - kept
            f.preview += (
                f"\n… lines {kept + 1}-{len(lines)} not shown; call get_file(path={f.path!r}, start_line={kept + 1})"
            )
    if omitted:
        result.truncation = Truncation(
            truncated=True, omitted=omitted, how_to_get_more="call get_file on the resolved file with start_line"
        )
