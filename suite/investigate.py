"""The reference investigation (classify → analyse → propose) as a deterministic MCP client over the six servers.

It is what a senior on-call engineer does, written down: read the root cause from the logs; for a schema error find
the code, the table's real schema and its history, the intended column, prove the fix compiles on the engine and
propose it as a PR; for a sensor timeout find the late upstream and its owner; then route the alert.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from oncall_mcp.suite.investigation import Investigation, Step
from oncall_mcp.suite.pool import CallRecord, ServerPool
from oncall_mcp.suite.report import render_investigation

SCHEMA_CATEGORIES = {"schema_mismatch", "syntax", "resource_missing"}
UPSTREAM_CATEGORIES = {"upstream_not_ready", "timeout"}
MISSING_COLUMN = re.compile(
    r"Column '(?P<trino>[^']+)' cannot be resolved|name `(?P<spark>[^`]+)`(?:\.`(?P<spark2>[^`]+)`)? cannot be resolved"
)
NUMBERED = re.compile(r"^\s*\d+\| ?")
TABLE_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*){1,3}$")


class Investigator:
    def __init__(
        self,
        pool: ServerPool,
        repo: str | None = None,
        as_of: str | None = None,
        engine: str = "trino",
        progress: Any = None,
    ) -> None:
        self.pool = pool
        self.repo = repo
        self.as_of = as_of
        self.engine = engine
        self.progress = progress

    async def _call(
        self, inv: Investigation, title: str, server: str, tool: str, args: dict[str, Any], summarise: Any = None
    ) -> CallRecord | None:
        if not self.pool.has(server, tool):
            return None
        if self.progress:
            self.progress(f"{server}.{tool}: {title}")
        rec = await self.pool.call(server, tool, args)
        summary = rec.text[:300] if not rec.ok else (summarise(rec.data) if summarise else "ok")
        inv.steps.append(Step(title, server, tool, rec.ok, summary, rec.tokens, round(rec.ms, 1)))
        return rec

    async def run(
        self, dag_id: str, run_id: str, task_id: str, try_number: int | None = None, ds: str | None = None
    ) -> Investigation:
        inv = Investigation(dag_id, run_id, task_id)
        args: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id}
        if try_number is not None:
            args["try_number"] = try_number
        failure = await self._call(
            inv, "find the root-cause lines", "airflow_logs", "find_failure", args, _summarise_failure
        )
        if failure is None or not failure.ok:
            inv.conclusion = "could not read the task's log; check the airflow_logs server's source"
            return inv
        f = failure.data
        top = (f.get("root_cause_lines") or [{}])[0]
        inv.facts.update(
            error_category=f.get("error_category"),
            exception_type=f.get("exception_type"),
            message=f.get("message"),
            root_cause_line=top.get("text"),
            root_cause_line_number=top.get("line_number"),
            log_ref=f.get("log_ref"),
        )
        located = None
        if self.repo:
            located = await self._call(
                inv,
                "locate the task's code",
                "github",
                "locate_task",
                {"repo": self.repo, "dag_id": dag_id, "task_id": task_id},
                _summarise_location,
            )
            if located and located.ok:
                inv.facts.update(_location_facts(located.data))
        category = f.get("error_category")
        if category in SCHEMA_CATEGORIES:
            await self._schema_branch(inv, f, located.data if located and located.ok else {}, ds or _ds(run_id))
        elif category in UPSTREAM_CATEGORIES:
            await self._upstream_branch(inv, f, located.data if located and located.ok else {})
        await self._route(inv, dag_id, task_id, category or "unknown")
        return inv

    # -- case 1: schema --

    async def _schema_branch(self, inv: Investigation, f: dict[str, Any], loc: dict[str, Any], ds: str) -> None:
        match = MISSING_COLUMN.search(" ".join(str(x) for x in (f.get("message"), inv.facts.get("root_cause_line"))))
        if not match:
            inv.conclusion = "schema error, but no missing column named in the error; read the SQL and the schema"
            return
        missing = match.group("trino") or ".".join(p for p in (match.group("spark"), match.group("spark2")) if p)
        alias, _, column = missing.rpartition(".")
        inv.facts["missing_column"] = missing
        sql_path = inv.facts.get("sql_file")
        sql_text = await self._file_text(inv, sql_path) if sql_path else None
        table = _table_for_alias(sql_text or "", alias) if alias else None
        table = table or next(iter(_tables(f)), None)
        if not table:
            inv.conclusion = f"column {missing!r} is missing, but the table it belongs to was not found"
            return
        inv.facts["table"] = table
        got = await self._call(
            inv,
            "read the table's schema",
            "openmetadata",
            "get_table",
            {"fqn": table},
            lambda d: f"{d.get('fullyQualifiedName') or d.get('fqn')}: {len(d.get('columns') or [])} columns",
        )
        fqn = (got.data.get("fullyQualifiedName") or got.data.get("fqn")) if got and got.ok else table
        inv.facts["table_fqn"] = fqn
        hist = await self._call(
            inv, "what changed in its schema", "openmetadata", "schema_history", {"fqn": fqn}, _summarise_history
        )
        if hist and hist.ok:
            inv.facts["schema_change"] = _first_change(hist.data)
        sugg = await self._call(
            inv,
            "which column was meant",
            "openmetadata",
            "suggest_columns",
            {"fqn": fqn, "column": column},
            _summarise_suggestions,
        )
        best = _best_suggestion(sugg.data) if sugg and sugg.ok else None
        inv.facts["suggested_column"] = best
        if not best or not sql_text:
            inv.conclusion = f"column {missing!r} does not exist in {fqn}" + (f"; likely {best!r}" if best else "")
            return
        fixed = re.sub(
            rf"\b{re.escape(alias)}\.{re.escape(column)}\b" if alias else rf"\b{re.escape(column)}\b",
            f"{alias}.{best}" if alias else best,
            sql_text,
        )
        before = await self._call(
            inv,
            "prove the current SQL fails on the engine",
            "trino",
            "validate_sql",
            {"sql": _query_part(sql_text, ds), "engine": self.engine},
            _summarise_validation,
        )
        after = await self._call(
            inv,
            "prove the corrected SQL compiles",
            "trino",
            "validate_sql",
            {"sql": _query_part(fixed, ds), "engine": self.engine},
            _summarise_validation,
        )
        inv.facts["original_valid"] = _valid(before)
        inv.facts["fix_valid"] = _valid(after)
        inv.facts["fix_validation_error"] = before.data.get("error") if before and before.ok else None
        if not _valid(after):
            inv.conclusion = f"{missing!r} → {best!r} does not validate; needs a human"
            return
        if self.repo and self.pool.has("github", "create_fix_pr"):
            await self._propose(inv, sql_path, fixed, missing, best, fqn)
        inv.conclusion = (
            f"{inv.dag_id}.{inv.task_id}: the SQL uses {missing!r}, which no longer exists in "
            f"{fqn}; the column is now {best!r}. Corrected SQL validated on {self.engine}."
        ).strip()

    async def _propose(self, inv: Investigation, path: str, fixed: str, missing: str, best: str, fqn: str) -> None:
        change = inv.facts.get("schema_change") or ""
        body = "\n".join(
            [
                f"Fixes `{inv.dag_id}.{inv.task_id}` (run `{inv.run_id}`).",
                "",
                "Evidence gathered by oncall-mcp:",
                f"- log: `{inv.facts.get('root_cause_line')}` ({inv.facts.get('log_ref')} line "
                f"{inv.facts.get('root_cause_line_number')})",
                f"- catalog: {change or f'{fqn} has no column {missing}'}",
                f"- suggested column: `{best}`",
                f"- `validate_sql` on {self.engine}: original fails, corrected SQL compiles",
            ]
        )
        pr = await self._call(
            inv,
            "open the fix PR",
            "github",
            "create_fix_pr",
            {
                "repo": self.repo,
                "title": f"fix({inv.task_id}): use {best} instead of {missing.rpartition('.')[2]}",
                "body": body,
                "changes": [{"path": path, "new_content": fixed}],
            },
            lambda d: (
                f"PR #{(d.get('pr') or {}).get('number')} on branch {d.get('branch')} "
                f"({'new' if d.get('created') else 'already proposed'})"
            ),
        )
        if pr and pr.ok:
            d = pr.data
            inv.facts["pr"] = {
                "number": (d.get("pr") or {}).get("number"),
                "url": (d.get("pr") or {}).get("url"),
                "branch": d.get("branch"),
                "base": d.get("base"),
                "created": d.get("created"),
                "diff": d.get("diff"),
            }

    async def _file_text(self, inv: Investigation, path: str) -> str | None:
        rec = await self._call(
            inv,
            "read the SQL file",
            "github",
            "get_file",
            {"repo": self.repo, "path": path},
            lambda d: f"{path}: {d.get('total_lines')} lines",
        )
        if not rec or not rec.ok or rec.data.get("truncation", {}).get("truncated"):
            return None
        lines = rec.data.get("content", "").split("\n")
        return "\n".join(NUMBERED.sub("", line, count=1) for line in lines).rstrip("\n") + "\n"

    # -- case 2: late upstream --

    async def _upstream_branch(self, inv: Investigation, f: dict[str, Any], loc: dict[str, Any]) -> None:
        datasets = _tables(f) | set(_tables_in_text(json.dumps((loc.get("task") or {}).get("arguments") or {})))
        if not datasets:
            inv.conclusion = "timed out waiting, but the log and code name no dataset to check upstream"
            return
        late_roots: list[dict[str, Any]] = []
        for dataset in sorted(datasets):
            args: dict[str, Any] = {"dataset": dataset}
            if self.as_of:
                args["as_of"] = self.as_of
            rec = await self._call(
                inv, f"which upstream of {dataset} is late", "lineage", "find_late_upstream", args, _summarise_late
            )
            if rec and rec.ok:
                late_roots += rec.data.get("roots") or []
                inv.facts["waited_on"] = dataset
        inv.facts["late_upstream"] = [_plain_name(_dataset_name(r)) for r in late_roots]
        if late_roots:
            root = late_roots[0]
            inv.facts["late_root_detail"] = root
            owner = await self._call(
                inv,
                "who owns the late dataset",
                "ownership",
                "resolve_owner",
                {"asset": _plain_name(_dataset_name(root))},
                _summarise_owner,
            )
            if owner and owner.ok:
                inv.facts["late_owner"] = _team_names(owner.data)
            jobs = root.get("producing_jobs") or [{}]
            last = jobs[0].get("last_run") or {}
            inv.facts["late_root_producer"] = jobs[0].get("job")
            inv.facts["late_root_producer_error"] = last.get("error")
            inv.conclusion = (
                f"{inv.dag_id}.{inv.task_id} waited on {inv.facts.get('waited_on')}, which is late because "
                f"{inv.facts['late_upstream'][0]} is late ({(root.get('freshness') or {}).get('lateness')}); "
                f"its producer "
                f"{jobs[0].get('job')} last ran {last.get('state')}: {str(last.get('error'))[:160]}"
            )
        else:
            inv.conclusion = "no late upstream found; check the sensor's condition and its timeout"

    async def _route(self, inv: Investigation, dag_id: str, task_id: str, category: str) -> None:
        args: dict[str, Any] = {"dag_id": dag_id, "task_id": task_id, "error_category": category}
        if inv.facts.get("table_fqn") or inv.facts.get("table"):
            args["tables"] = [inv.facts.get("table_fqn") or inv.facts["table"]]
        if inv.facts.get("late_upstream"):
            args["upstream_late"] = inv.facts["late_upstream"]
        rec = await self._call(inv, "whom to notify", "ownership", "route_alert", args, _summarise_route)
        if rec and rec.ok:
            inv.facts["notify"] = _route_facts(rec.data)


# -- helpers over tool outputs --


def _ds(run_id: str) -> str:
    m = re.search(r"(\d{4}-\d{2}-\d{2})", run_id)
    return m.group(1) if m else "1970-01-01"


def _query_part(sql: str, ds: str) -> str:
    """Render the Airflow macros we know and keep the query of an INSERT ... SELECT (validation never writes)."""
    text = re.sub(r"\{\{\s*ds\s*\}\}", ds, sql)
    text = re.sub(r"\{\{\s*ds_nodash\s*\}\}", ds.replace("-", ""), text)
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    m = re.search(r"^\s*INSERT\s+INTO\s+\S+(\s*\([^)]*\))?\s*(?P<q>(SELECT|WITH)\b.*)$", text, re.I | re.S)
    return (m.group("q") if m else text).strip().rstrip(";")


def _table_for_alias(sql: str, alias: str) -> str | None:
    m = re.search(rf"\b(?:FROM|JOIN)\s+([\w.]+)\s+(?:AS\s+)?{re.escape(alias)}\b", sql, re.I)
    return m.group(1) if m else None


def _tables(f: dict[str, Any]) -> set[str]:
    ident = f.get("identifiers") or {}
    found = ident.get("tables") or ident.get("table_names") or [] if isinstance(ident, dict) else []
    return {t for t in found if isinstance(t, str) and TABLE_NAME.match(t)}


def _tables_in_text(text: str) -> list[str]:
    return re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*){1,2})", text, re.I)


def _valid(rec: CallRecord | None) -> bool:
    return bool(rec and rec.ok and (rec.data.get("valid") is True or rec.data.get("ok") is True))


def _location_facts(d: dict[str, Any]) -> dict[str, Any]:
    task = d.get("task") or {}
    resolved = d.get("resolved_files") or []
    return {
        "dag_file": task.get("path") or d.get("dag_path"),
        "dag_line": task.get("start_line"),
        "operator": task.get("operator"),
        "sql_file": resolved[0].get("path") if resolved else None,
    }


def _first_change(d: dict[str, Any]) -> str | None:
    changes = d.get("changes") or d.get("events") or []
    for c in changes:
        if isinstance(c, dict):
            return c.get("summary") or c.get("description") or json.dumps(c)
    return None


def _best_suggestion(d: dict[str, Any]) -> str | None:
    items = d.get("suggestions") or d.get("candidates") or []
    if items and isinstance(items[0], dict):
        return items[0].get("column") or items[0].get("name")
    return None


def _dataset_name(r: dict[str, Any]) -> str:
    fresh = r.get("freshness") or {}
    return str(fresh.get("dataset") or r.get("dataset") or r.get("name") or r)


def _plain_name(dataset: str) -> str:
    """OpenLineage `namespace/name` (e.g. trino://host:443/lake.raw.orders) -> the table name `lake.raw.orders`."""
    if "://" in dataset:
        rest = dataset.split("://", 1)[1]
        return rest.split("/", 1)[1] if "/" in rest else rest
    return dataset


def _team_names(d: dict[str, Any]) -> list[str]:
    teams = d.get("owners") or d.get("teams") or []
    return [
        t.get("team", {}).get("name") if isinstance(t.get("team"), dict) else t.get("team") or t.get("name")
        for t in teams
        if isinstance(t, dict)
    ]


def _route_facts(d: dict[str, Any]) -> dict[str, Any]:
    def who(r: dict[str, Any]) -> dict[str, Any]:
        return {k: r.get(k) for k in ("team", "slack_channel", "oncall_rotation", "page")}

    return {
        "notify": [who(r) for r in d.get("notify") or []],
        "cc": [who(r) for r in d.get("cc") or []],
        "why": d.get("why"),
    }


def _summarise_failure(d: dict[str, Any]) -> str:
    top = (d.get("root_cause_lines") or [{}])[0]
    return f"{d.get('error_category')}: line {top.get('line_number')}: {str(top.get('text'))[:160]}"


def _summarise_location(d: dict[str, Any]) -> str:
    f = _location_facts(d)
    return f"{f['dag_file']}:{f['dag_line']} {f['operator']} → {f.get('sql_file')}"


def _summarise_history(d: dict[str, Any]) -> str:
    return _first_change(d) or "no schema changes"


def _summarise_suggestions(d: dict[str, Any]) -> str:
    items = d.get("suggestions") or d.get("candidates") or []
    return ", ".join(f"{i.get('column') or i.get('name')} ({i.get('reason', '')[:60]})" for i in items[:3])


def _summarise_validation(d: dict[str, Any]) -> str:
    return "valid" if d.get("valid") else f"invalid: {str((d.get('error') or {}).get('message'))[:160]}"


def _summarise_late(d: dict[str, Any]) -> str:
    return str(d.get("verdict") or ", ".join(_dataset_name(r) for r in d.get("roots") or []) or "nothing late")


def _summarise_owner(d: dict[str, Any]) -> str:
    return ", ".join(str(t) for t in _team_names(d)) or "no owner"


def _summarise_route(d: dict[str, Any]) -> str:
    f = _route_facts(d)
    notify = ", ".join(f"{r['team']} {r['slack_channel']}{' (page)' if r['page'] else ''}" for r in f["notify"])
    cc = ", ".join(str(r["team"]) for r in f["cc"])
    return f"notify {notify}" + (f"; cc {cc}" if cc else "") + f" — {str(f['why'])[:120]}"


def run_investigation(
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int | None,
    repo: str | None,
    as_json: bool,
    engine: str = "trino",
    as_of: str | None = None,
) -> int:
    """`oncall-mcp investigate`: the same chain against the servers as configured by this environment's OCM_* vars.

    A server is used when it is installed and its required settings are present in the environment."""
    import anyio

    from oncall_mcp.suite import catalog

    servers = {name: {} for name, info in catalog.SERVERS.items() if info.installed() and info.configured()}
    if "airflow_logs" not in servers:
        sys.stderr.write("investigate needs the airflow_logs server: set OCM_AIRFLOW_LOGS_SOURCE\n")
        return 2
    sys.stderr.write(f"using servers: {', '.join(servers)}\n")

    async def main() -> Investigation:
        async with ServerPool(servers, inherit_config=True) as pool:
            inv = Investigator(
                pool, repo=repo, as_of=as_of, engine=engine, progress=lambda m: sys.stderr.write(f"  … {m}\n")
            )
            return await inv.run(dag_id, run_id, task_id, try_number)

    inv = anyio.run(main)
    sys.stdout.write(inv.to_json() + "\n" if as_json else render_investigation(inv))
    return 0 if inv.steps and inv.steps[0].ok else 1
