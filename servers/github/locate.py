"""locate_task: from (dag_id, task_id) to the DAG file, the task's lines and the SQL/script it references."""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass, field
from typing import Any

from oncall_mcp.servers.github import nextsteps, render
from oncall_mcp.servers.github.backend import Backend, BackendError, Ref
from oncall_mcp.servers.github.dagindex import RefIndex
from oncall_mcp.servers.github.models import InlineSql, LocateResult, ResolvedFile, RunDates, SqlRendering, TaskLocation
from oncall_mcp.servers.github.pathmap import PathRule
from oncall_mcp.servers.github.sqltables import tables_in
from oncall_mcp.servers.github.text import decode_text, numbered
from oncall_mcp.shared.budget import CHARS_PER_TOKEN, Truncation, estimate_tokens
from oncall_mcp.shared.dagparse import PATH_EXTENSIONS, DagDef, TaskDef
from oncall_mcp.shared.errors import ToolError, not_found

SQL_ARGUMENTS = ("sql", "query", "hql")
SQL_SUFFIXES = (".sql", ".hql")


@dataclass
class LocateOptions:
    extra_folders: list[str]
    max_file_bytes: int
    budget_tokens: int
    path_rules: list[PathRule] = field(default_factory=list)


@dataclass
class RunRequest:
    logical_date: str | None = None
    run_id: str | None = None


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


def _mapped(path: str, rules: list[PathRule]) -> tuple[str, PathRule] | None:
    for rule in sorted(rules, key=lambda r: len(r.runtime), reverse=True):
        if path == rule.runtime or path.startswith(rule.runtime.rstrip("/") + "/"):
            rest = path[len(rule.runtime) :].strip("/")
            return posixpath.join(rule.repo, rest) if rule.repo else rest, rule
    return None


def resolve_path(
    token: str,
    dag_path: str,
    searchpath: list[str],
    index: RefIndex,
    extra_folders: list[str],
    rules: list[PathRule] | None = None,
) -> tuple[str, str] | None:
    dag_dir = posixpath.dirname(dag_path)
    cands: list[tuple[str, str]] = []
    for runtime in [token] if token.startswith("/") else [posixpath.join(sp, token) for sp in searchpath]:
        hit = _mapped(runtime, rules or []) if runtime.startswith("/") else None
        if hit:
            cands.append((hit[0], f"OCM_GITHUB_PATH_MAP {hit[1].text} applied to {runtime}"))
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
    options: LocateOptions,
    run: RunRequest | None = None,
) -> LocateResult:
    extra_folders = options.extra_folders
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
                found = resolve_path(tok, dag_path, dag.template_searchpath, index, extra_folders, options.path_rules)
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
        inline_sql=inline_sql(task),
        notes=notes,
    )
    texts = _read_files(backend, ref, result, options.max_file_bytes)
    run = run or RunRequest()
    try:
        result.run = render.run_dates(run.logical_date, run.run_id, dag.schedule)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    if result.run and not result.run.data_interval_end:
        notes.append(
            f"data_interval_end is not computed for schedule {dag.schedule or '(none)'}; it stays a placeholder"
        )
    params = {**dag.params, **task.params}

    def read_include(name: str) -> str | None:
        found = resolve_path(name, dag_path, dag.template_searchpath, index, extra_folders, options.path_rules)
        if found is None or not found[0].lower().endswith(PATH_EXTENSIONS):
            return None
        try:
            return decode_text(backend.read_file(ref.sha, found[0], options.max_file_bytes), found[0])
        except (BackendError, ToolError):
            return None

    sql_files = [f for f in result.resolved_files if f.path.lower().endswith(SQL_SUFFIXES) and f.path in texts]
    for target, template in [*((f, texts[f.path]) for f in sql_files), *((s, s.template) for s in result.inline_sql)]:
        _render_into(target, template, result.run, run.run_id, dag_id, task_id, params, read_include)
    result.next_steps = nextsteps.locate_steps(result, task_id)
    _fill_previews(result, texts, options.budget_tokens)
    return result


def inline_sql(task: TaskDef) -> list[InlineSql]:
    """SQL written in the task's own arguments (not a file reference)."""
    out = []
    for arg in SQL_ARGUMENTS:
        for value in task.strings.get(arg, []):
            if path_tokens(value) or not value.strip() or " " not in value.strip():
                continue
            out.append(InlineSql(argument=arg, template=value))
    return out


def _render_into(
    target: SqlRendering,
    template: str,
    dates: RunDates | None,
    run_id: str | None,
    dag_id: str,
    task_id: str,
    params: dict[str, Any],
    read_include: Any,
) -> None:
    if dates is None:
        target.render_note = "pass logical_date or run_id to get the SQL rendered for that run"
    else:
        context = render.context_for(dates, run_id, dag_id, task_id, params)
        try:
            target.rendered_sql, target.placeholders = render.render(template, context, read_include)
        except render.RenderRefused as exc:
            target.render_note = f"{exc}; nothing from the template was executed"
        else:
            if target.placeholders:
                target.render_note = (
                    "left visible as {{ … }}: "
                    + ", ".join(target.placeholders[:10])
                    + " (Airflow Variables/Connections/runtime values are not read here)"
                )
    target.tables = tables_in(target.rendered_sql or template)


def _read_files(backend: Backend, ref: Ref, result: LocateResult, max_file_bytes: int) -> dict[str, str]:
    texts: dict[str, str] = {}
    for f in result.resolved_files:
        try:
            texts[f.path] = decode_text(backend.read_file(ref.sha, f.path, max_file_bytes), f.path)
        except (BackendError, ToolError) as exc:
            result.notes.append(f"{f.path}: {exc}")
            continue
        f.total_lines = len(texts[f.path].splitlines())
        f.end_line = max(1, f.total_lines)
    return texts


def _fill_previews(result: LocateResult, texts: dict[str, str], budget_tokens: int) -> None:
    """Numbered previews of the referenced files in the room the rest of the answer leaves (at least a few lines
    each), then the rendered SQL cut if it alone overflows the budget (the validate_sql step keeps it whole)."""
    omitted = 0
    for f in result.resolved_files:
        if f.path not in texts:
            continue
        lines = texts[f.path].splitlines()
        room = max(400, (budget_tokens - estimate_tokens(result.model_dump_json())) * CHARS_PER_TOKEN)
        f.preview, kept = numbered(lines, 1, room)
        f.preview_truncated = kept < len(lines)
        if f.preview_truncated:
            omitted += len(lines) - kept
            f.preview += (
                f"\n… lines {kept + 1}-{len(lines)} not shown; call get_file(path={f.path!r}, start_line={kept + 1})"
            )
    cut = False
    for r in [*result.resolved_files, *result.inline_sql]:
        text = r.rendered_sql or ""
        room = max(1000, budget_tokens * CHARS_PER_TOKEN // 2)
        if len(text) > room:
            r.rendered_sql = text[:room] + f"… [+{len(text) - room} chars cut]"
            cut = True
    if omitted or cut:
        result.truncation = Truncation(
            truncated=True,
            reason="budget",
            omitted=omitted or None,
            how_to_get_more="cut to the output budget: continue with get_file(path, start_line) as each preview "
            "says; the validate_sql next step carries the whole rendered SQL",
        )
