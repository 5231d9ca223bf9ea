"""The one step the client writes itself: once the servers have shown a column was renamed and the task's SQL uses
the old name, substitute the new name, prove the corrected query compiles, and (when the github server may write)
propose it as a pull request.

It reads facts (a rename, the task's SQL), not failure categories. It exists because no server holds both the SQL
and the rename: trino's validate_sql could emit the corrected statement itself once it knows the live columns."""

from __future__ import annotations

import re
from typing import Any

from oncall_mcp.suite.investigation import Investigation

NUMBERED = re.compile(r"^\s*\d+\| ?")


def query_of(sql: str) -> str:
    """The query of an `INSERT [OVERWRITE] … SELECT` (validate_sql compiles queries, never writes); else `sql`."""
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:  # the trino/github extras bring sqlglot; without it the statement goes as it is
        return sql
    for dialect in ("trino", "spark"):
        try:
            tree = sqlglot.parse_one(sql, read=dialect)
        except Exception:  # sqlglot raises several error types; any means "not this dialect"
            continue
        if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
            return tree.expression.sql(dialect=dialect, pretty=True)
        return sql
    return sql


def rename_in(sql: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w`]){re.escape(old)}(?![\w`])", new, sql)


def _task_sql(inv: Investigation, old: str) -> tuple[str | None, str] | None:
    """(repo path or None for inline SQL, rendered SQL) of the task's SQL that uses the old column."""
    for item in inv.facts.get("rendered_sql") or []:
        if re.search(rf"\b{re.escape(old)}\b", item["sql"]):
            return item.get("path"), item["sql"]
    return None


def fix_validation(inv: Investigation) -> dict[str, Any] | None:
    """trino.validate_sql arguments for the corrected query, once a rename and the task's SQL are known."""
    rename = inv.facts.get("rename")
    if not rename or "fix_sql" in inv.facts:
        return None
    found = _task_sql(inv, rename["old_name"])
    if found is None:
        return None
    sql = query_of(rename_in(found[1], rename["old_name"], rename["column"]))
    inv.add("fix_sql", sql, "client", f"{rename['old_name']} → {rename['column']} in {found[0] or 'inline SQL'}")
    inv.facts["fix_file"] = found[0]
    return {"sql": sql}


def fix_pr(inv: Investigation, repo: str) -> dict[str, Any] | None:
    """github.create_fix_pr arguments once the corrected query validated and the SQL file's text is known."""
    f = inv.facts
    rename, path = f.get("rename"), f.get("fix_file")
    if not (rename and path and f.get("fix_valid") is True) or "pr" in f or f.get("pr_proposed"):
        return None
    raw = (f.get("file_text") or {}).get(path)
    if raw is None:
        inv.unknown.append(f"no fix PR: the text of {path} was not shown whole (locate_task preview was cut)")
        f["pr_proposed"] = True
        return None
    old, new = rename["old_name"], rename["column"]
    f["pr_proposed"] = True
    evidence = [
        f"log: {f.get('root_cause_line')} ({f.get('log_ref')} line {f.get('root_cause_line_number')})",
        f"catalog: {rename.get('summary')}",
        f"validate_sql: corrected query compiles ({f.get('engine_error') or 'original fails'})",
    ]
    body = "\n".join(
        [f"Fixes `{inv.dag_id}.{inv.task_id}` (run `{inv.run_id}`).", "", "Evidence gathered by oncall-mcp:"]
        + [f"- {e}" for e in evidence]
    )
    return {
        "repo": repo,
        "title": f"fix({inv.task_id}): use {new} instead of {old}",
        "body": body,
        "changes": [{"path": path, "new_content": rename_in(raw, old, new)}],
        "evidence": evidence,
    }


def file_text_from_preview(preview: str) -> str:
    lines = preview.split("\n")
    return "\n".join(NUMBERED.sub("", line, count=1) for line in lines).rstrip("\n") + "\n"
