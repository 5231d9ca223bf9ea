"""From an alert to the task: read the task instance an Airflow UI link or a failure-callback/Slack text names.

Nothing is fetched: the link is only parsed, and only links to the configured Airflow hosts are accepted. URL
shapes (Airflow 2): `/dags/<dag>/grid|graph?dag_run_id=…&task_id=…&map_index=…`, `/log?dag_id=…&task_id=…&
execution_date=…&map_index=…&try_number=…`, `/taskinstance/list/?_flt_0_dag_id=…`; (Airflow 3): `/dags/<dag>/runs/
<run>/tasks/<task>[/mapped/<i>]?try_number=…`. Text shapes: Airflow's default failure email (`<TaskInstance:
dag.task run [failed]>`, `Try 1 out of 3`, `Log: <url>`) and the usual Slack callback fields (`*Dag*: x`, `Task: y`,
`Run ID: z`, `Task failed: dag.task`). The standard library parses URLs; a URL library would not know these shapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from oncall_mcp.servers.airflow_logs.layout import check_id
from oncall_mcp.shared.errors import ToolError

URL = re.compile(r"https?://[^\s<>\"'|`]+", re.I)
TI_REPR = re.compile(
    r"<TaskInstance:\s*(?P<dag>[^\s.]+)\.(?P<task>\S+)\s+(?P<run>[^\s\[\]]+)(?:\s+map_index=(?P<map>-?\d+))?"
    r"\s*(?:\[[a-z_]+\])?\s*>"
)
TASK_FAILED = re.compile(r"(?i)\bTask failed:?\s+(?P<dag>[^\s.,;]+)\.(?P<task>[^\s,;]+)")
FIELD = re.compile(
    r"(?i)(?:^|[\s,;|(])\**_?(?P<name>dag(?:[ _]id)?|task(?:[ _]id)?|run(?:[ _]id)|dag[ _]run[ _]id|try(?:[ _]number)?"
    r"|map(?:[ _]index))_?\**\s*[:=]\s*\**\s*`?(?P<value>[^\s,;|*`<>]+)"
)
TRY_OF = re.compile(r"(?i)\bTry (?P<try>\d{1,4}) out of \d{1,4}")
FIELD_NAMES = {
    "dag": "dag_id",
    "dagid": "dag_id",
    "task": "task_id",
    "taskid": "task_id",
    "runid": "run_id",
    "dagrunid": "run_id",
    "try": "try_number",
    "trynumber": "try_number",
    "mapindex": "map_index",
}
QUERY_NAMES = {
    "dag_id": "dag_id",
    "dag_run_id": "run_id",
    "run_id": "run_id",
    "task_id": "task_id",
    "map_index": "map_index",
    "try_number": "try_number",
    "execution_date": "logical_date",
    "logical_date": "logical_date",
}
FAB_FILTER = re.compile(r"^_flt_\d+_(?P<name>\w+)$")


@dataclass
class Located:
    fields: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    airflow_version: str | None = None

    def fill(self, name: str, value: str | None) -> None:
        if value not in (None, "") and name not in self.fields:
            self.fields[name] = value  # type: ignore[assignment]


def _query(query: str) -> dict[str, str]:
    """Query parameters, percent-decoded but with `+` kept: run ids hold `+00:00` that a form decoder would eat."""
    out: dict[str, str] = {}
    for part in query.split("&"):
        name, _, value = part.partition("=")
        name = unquote(name)
        fab = FAB_FILTER.match(name)
        name = fab["name"] if fab else name
        if name in QUERY_NAMES and value:
            out.setdefault(QUERY_NAMES[name], unquote(value))
    return out


def host_allowed(netloc_host: str | None, port: int | None, allowed: list[str]) -> bool:
    host = (netloc_host or "").lower()
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def parse_url(url: str, allowed: list[str]) -> Located:
    """The task instance a UI link names; ToolError for a host outside the allowlist."""
    try:
        parts = urlsplit(url.rstrip(".,;)>"))
        port = parts.port
    except ValueError:
        raise ToolError(f"{url[:200]!r} is not a valid URL") from None
    if not allowed:
        raise ToolError(
            "no Airflow hosts are configured, so no link is accepted: set OCM_AIRFLOW_LOGS_AIRFLOW_HOSTS to the "
            "hostnames of your Airflow UI (comma list), or pass the alert text without the link"
        )
    if not host_allowed(parts.hostname, port, allowed):
        raise ToolError(
            f"host {parts.hostname!r} is not an allowed Airflow host; allowed: {', '.join(allowed)} "
            "(OCM_AIRFLOW_LOGS_AIRFLOW_HOSTS)"
        )
    found = Located(url=url)
    segments = [unquote(s) for s in parts.path.split("/")]
    query = _query(parts.query)
    if "dags" in segments:
        rest = segments[segments.index("dags") + 1 :]
        if rest and rest[0]:
            found.fill("dag_id", rest[0])
        pairs = {rest[i]: rest[i + 1] for i in range(1, len(rest) - 1) if rest[i] in ("runs", "tasks", "mapped")}
        if pairs:  # Airflow 3: /dags/<dag>/runs/<run>/tasks/<task>/mapped/<i>
            found.airflow_version = "3"
            found.fill("run_id", pairs.get("runs"))
            found.fill("task_id", pairs.get("tasks"))
            found.fill("map_index", pairs.get("mapped"))
        else:
            found.airflow_version = "2"
    elif any(s in ("log", "task", "rendered-templates", "xcom") for s in segments) or "taskinstance" in segments:
        found.airflow_version = "2"
    for name, value in query.items():
        found.fill(name, value)
    if "dag_id" not in found.fields:
        raise ToolError(
            f"the link {url[:200]!r} names no DAG; give a grid/graph/log link of a task instance "
            "(Airflow 2: /dags/<dag>/grid?dag_run_id=…&task_id=…; Airflow 3: /dags/<dag>/runs/<run>/tasks/<task>)"
        )
    return found


def parse_text(text: str) -> Located:
    found = Located()
    m = TI_REPR.search(text)
    if m:
        found.fill("dag_id", m["dag"])
        found.fill("task_id", m["task"])
        found.fill("run_id", m["run"])
        found.fill("map_index", m["map"])
    for m in FIELD.finditer(text):
        name = FIELD_NAMES.get(re.sub(r"[ _]", "", m["name"].lower()))
        if name:
            found.fill(name, m["value"])
    m = TASK_FAILED.search(text)
    if m:
        found.fill("dag_id", m["dag"])
        found.fill("task_id", m["task"])
    m = TRY_OF.search(text)
    if m:
        found.fill("try_number", m["try"])
    return found


def locate(alert: str, allowed: list[str]) -> Located:
    """URL fields first (structured), then what the surrounding text says."""
    urls = URL.findall(alert)
    found = Located()
    airflow_links = [u for u in urls if re.search(r"/dags/|/log\?|/taskinstance/|dag_id=", u)]
    if airflow_links:
        found = parse_url(airflow_links[0], allowed)
    elif urls and alert.strip() == urls[0]:
        found = parse_url(urls[0], allowed)
    text_fields = parse_text(URL.sub(" ", alert)).fields
    for name, value in text_fields.items():
        found.fill(name, value)
    if "dag_id" not in found.fields:
        raise ToolError(
            "no task instance found in the alert: give an Airflow UI link (grid, graph or log view of the task) "
            "or the alert text with the DAG and task (e.g. 'DAG: x, Task: y, Run ID: z')"
        )
    for name in ("dag_id", "run_id", "task_id"):
        if name in found.fields:
            found.fields[name] = check_id(found.fields[name].strip(), name)
    for name in ("try_number", "map_index"):
        number = found.fields.get(name)
        if number is not None and not re.fullmatch(r"-?\d{1,7}", number):
            raise ToolError(f"{name} {number!r} in the alert is not a number")
    return found
