"""Next steps of the github tools, filled from each result with the target tools' real argument names."""

from __future__ import annotations

import re

from oncall_mcp.servers.github.models import (
    BlameResult,
    ChangesResult,
    CommitInfo,
    FileResult,
    LocateResult,
    SqlRendering,
)
from oncall_mcp.shared.steps import NextStep

MAX_BLAME_LINES = 400
MAX_TABLE_STEPS = 4
SQL_SUFFIXES = (".sql", ".hql")
_NUMBERED = re.compile(r"^\s*\d+\| ?", re.MULTILINE)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def _ref(ref: str) -> dict[str, str]:
    return {"ref": ref} if ref else {}


def blame_step(repo: str, path: str, start: int, end: int, ref: str, why: str, priority: int) -> NextStep:
    end = max(start, min(end, start + MAX_BLAME_LINES - 1))
    args = {"repo": repo, "path": path, "start_line": start, "end_line": end, **_ref(ref)}
    return NextStep(server="github", tool="blame", arguments=args, why=why, priority=priority)


def owner_step(asset: str, kind: str, why: str, priority: int = 3) -> NextStep:
    return NextStep(
        server="ownership", tool="resolve_owner", arguments={"asset": asset, "kind": kind}, why=why, priority=priority
    )


def written_tables(sql: str) -> set[str]:
    """Targets of INSERT/MERGE/CREATE … AS in the SQL (as written); the other tables are the ones it reads."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    out: set[str] = set()
    for dialect in ("trino", "spark"):
        try:
            statements = sqlglot.parse(sql, read=dialect)
        except (SqlglotError, RecursionError, ValueError):
            continue
        for statement in statements:
            if isinstance(statement, exp.Insert | exp.Merge | exp.Create):
                target = statement.this.find(exp.Table) if statement.this else None
                if target is not None and target.name:
                    out.add(".".join(p for p in (target.catalog, target.db, target.name) if p))
        return out
    return out


def _sql_text(sql: SqlRendering) -> str:
    """The SQL as rendered, else as written (inline template or the file's numbered preview), Jinja blanked."""
    text = sql.rendered_sql or getattr(sql, "template", "") or _NUMBERED.sub("", getattr(sql, "preview", ""))
    return _JINJA.sub("jinja_placeholder", text)


def _table_steps(tables: list[str], written: set[str]) -> list[NextStep]:
    """Schema history of the tables the SQL reads (a rename or drop there breaks the query), then of its targets."""
    steps = []
    for table in sorted(tables, key=lambda t: t in written)[:MAX_TABLE_STEPS]:
        reads = table not in written
        if "." in table:  # the catalog resolves a qualified name by its suffix (billing.invoices → spark.lake.…)
            steps.append(
                NextStep(
                    server="openmetadata",
                    tool="schema_history",
                    arguments={"fqn": table},
                    why=f"columns renamed, dropped or retyped in {table}, which the SQL "
                    + ("reads: a query written against the older schema breaks" if reads else "writes"),
                    priority=2 if reads else 3,
                )
            )
        else:
            steps.append(
                NextStep(
                    server="openmetadata",
                    tool="search_tables",
                    arguments={"query": table},
                    why=f"the SQL names {table} without catalog; find its fully qualified name",
                    priority=3,
                )
            )
    return steps


def _validate_step(sql: SqlRendering, where: str) -> NextStep | None:
    if not sql.rendered_sql or sql.placeholders:
        return None
    return NextStep(
        server="trino",
        tool="validate_sql",
        arguments={"sql": sql.rendered_sql},
        why=f"does the SQL of {where}, rendered for this run, still compile against today's tables?",
        priority=1,
    )


def locate_steps(result: LocateResult, task_id: str) -> list[NextStep]:
    repo, ref, task = result.repo, result.ref, result.task
    sql_sources: list[tuple[SqlRendering, str]] = [
        (f, f.path) for f in result.resolved_files if f.path.lower().endswith(SQL_SUFFIXES)
    ]
    sql_sources += [(s, f"the task's `{s.argument}` argument") for s in result.inline_sql]
    runs_sql = bool(sql_sources)
    steps: list[NextStep] = []
    for sql, where in sql_sources:
        step = _validate_step(sql, where)
        if step:
            steps.append(step)
    paths = list(dict.fromkeys([result.dag_path, *(f.path for f in result.resolved_files)]))
    steps.append(
        NextStep(
            server="github",
            tool="recent_changes",
            arguments={"repo": repo, "paths": paths, **_ref(ref)},
            why="what changed in the task's DAG file and the files it runs; pass since=<last green run> to narrow",
            priority=2 if runs_sql else 1,
        )
    )
    steps.append(
        blame_step(
            repo, task.path, task.start_line, task.end_line, ref, "who last changed the task's definition lines", 2
        )
    )
    tables = list(dict.fromkeys(t for sql, _ in sql_sources for t in sql.tables))
    written = {t for sql, _ in sql_sources for t in written_tables(_sql_text(sql))}
    steps += _table_steps(tables, written)
    steps.append(
        owner_step(f"{result.dag_id}.{task_id}", "task", "which team owns the task, if the fix is not yours to make")
    )
    return steps


def file_steps(result: FileResult) -> list[NextStep]:
    if not result.total_lines:
        return []
    steps = []
    if result.truncation.truncated and result.end_line < result.total_lines:
        steps.append(
            NextStep(
                server="github",
                tool="get_file",
                arguments={
                    "repo": result.repo,
                    "path": result.path,
                    "start_line": result.end_line + 1,
                    **_ref(result.ref),
                },
                why="the next lines of the file (the output budget cut this answer)",
                priority=3,
            )
        )
    steps.append(
        blame_step(
            result.repo,
            result.path,
            result.start_line,
            result.end_line,
            result.ref,
            "who last changed the lines shown, and in which commit",
            2,
        )
    )
    return steps


def _hunk_range(diff: str | None) -> tuple[int, int] | None:
    m = _HUNK.search(diff or "")
    if not m:
        return None
    start, count = int(m[1]), int(m[2] or 1)
    return max(1, start), max(1, start) + max(count, 1) - 1


def _commit_steps(repo: str, commit: CommitInfo, path: str, lines: tuple[int, int] | None, why: str) -> NextStep:
    args: dict[str, object] = {"repo": repo, "path": path, "ref": commit.sha}
    if lines:
        args["start_line"], args["end_line"] = lines
    # a later hop of github's own chain: the commits listed already name author, date and message
    return NextStep(server="github", tool="get_file", arguments=args, why=why, priority=2)


def changes_steps(result: ChangesResult) -> list[NextStep]:
    if not result.commits:
        return []
    newest = result.commits[0]
    files = newest.files or result.paths
    lines = _hunk_range(newest.diff)
    short = newest.sha[:12]
    steps = [
        _commit_steps(
            result.repo,
            newest,
            files[0],
            lines,
            f"{files[0]} as the newest change ({short} by {newest.author}) left it, around the changed lines",
        )
    ]
    steps += [
        owner_step(path, "path", f"who owns {path}, last changed by {newest.author} in {short}") for path in files[:2]
    ]
    return steps


def blame_steps(result: BlameResult) -> list[NextStep]:
    if not result.ranges:
        return []
    culprit = max(result.ranges, key=lambda r: r.date)
    short = culprit.commit[:12]
    steps = [
        NextStep(
            server="github",
            tool="recent_changes",
            arguments={"repo": result.repo, "paths": [result.path], "ref": culprit.commit, "limit": 1},
            why=f"the diff of {short} ({culprit.author}, {culprit.date[:10]}), the newest change to these lines",
            priority=2,
        ),
        NextStep(
            server="github",
            tool="get_file",
            arguments={
                "repo": result.repo,
                "path": result.path,
                "ref": culprit.commit,
                "start_line": culprit.start_line,
                "end_line": culprit.end_line,
            },
            why=f"the lines as {short} left them",
            priority=3,
        ),
        owner_step(result.path, "path", f"who owns {result.path}, last changed by {culprit.author}"),
    ]
    last = result.ranges[-1]
    if result.truncation.truncated:
        steps.insert(
            1,
            blame_step(
                result.repo,
                result.path,
                last.end_line + 1,
                last.end_line + MAX_BLAME_LINES,
                result.ref,
                "the rest of the range (the output budget cut this answer)",
                2,
            ),
        )
    return steps
