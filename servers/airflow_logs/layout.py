"""Where Airflow puts task logs: parse storage keys into (dag, run, task, map_index, try) and back.

Understands Airflow's default `log_filename_template`, the older `{dag_id}/{task_id}/{ts}/{try}.log` layout,
triggerer files (`attempt=N.log.trigger.<id>.log`), gzip copies (`.gz`) and a configured template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncall_mcp.shared.errors import ToolError

_SUFFIX = r"(?P<suffix>(?:\.trigger\.[^/]+?\.log)?(?:\.gz)?)"
DEFAULT_RX = re.compile(
    r"^dag_id=(?P<dag_id>[^/]+)/run_id=(?P<run_id>[^/]+)/task_id=(?P<task_id>[^/]+)/"
    r"(?:map_index=(?P<map_index>-?\d+)/)?attempt=(?P<try_number>\d+)\.log" + _SUFFIX + "$"
)
OLD_RX = re.compile(
    r"^(?P<dag_id>[^/=]+)/(?P<task_id>[^/=]+)/(?P<run_id>[^/=]+)/(?P<try_number>\d+)\.log" + _SUFFIX + "$"
)

_JINJA_VARS = {
    "ti.dag_id": "dag_id",
    "dag_id": "dag_id",
    "ti.run_id": "run_id",
    "run_id": "run_id",
    "ts": "run_id",
    "execution_date": "run_id",
    "logical_date": "run_id",
    "ti.task_id": "task_id",
    "task_id": "task_id",
    "ti.map_index": "map_index",
    "map_index": "map_index",
    "try_number": "try_number",
    "ti.try_number": "try_number",
}
_GROUPS = {
    "dag_id": r"(?P<dag_id>[^/]+)",
    "run_id": r"(?P<run_id>[^/]+)",
    "task_id": r"(?P<task_id>[^/]+)",
    "map_index": r"(?P<map_index>-?\d+)",
    "try_number": r"(?P<try_number>\d+)",
}


def template_regex(template: str) -> re.Pattern[str]:
    """Turn an Airflow `log_filename_template` (Jinja or `{name}` style) into a regex over relative keys."""
    tpl = template.replace("%%", "%").strip().lstrip("/")
    # the map_index block `{% if ti.map_index >= 0 %}map_index={{ ti.map_index }}/{% endif %}` becomes optional
    tpl = re.sub(r"\{%-?\s*if[^%]*%\}(.*?)\{%-?\s*endif\s*-?%\}", lambda m: "\x00" + m.group(1) + "\x01", tpl)
    out: list[str] = []
    pos = 0
    seen: set[str] = set()
    for m in re.finditer(r"\{\{\s*([\w.]+)(?:\|[^}]*)?\s*\}\}|\{([\w.]+)\}|\x00|\x01", tpl):
        out.append(re.escape(tpl[pos : m.start()]))
        pos = m.end()
        tok = m.group(0)
        if tok == "\x00":
            out.append("(?:")
            continue
        if tok == "\x01":
            out.append(")?")
            continue
        var = _JINJA_VARS.get(m.group(1) or m.group(2) or "")
        if var is None:
            out.append(r"[^/]+")
        elif var in seen:
            out.append(f"(?P={var})")
        else:
            seen.add(var)
            out.append(_GROUPS[var])
    out.append(re.escape(tpl[pos:]))
    missing = {"dag_id", "task_id", "try_number"} - seen
    if missing:
        raise ValueError(f"log template lacks {', '.join(sorted(missing))}")
    return re.compile("^" + "".join(out) + _SUFFIX + "$")


@dataclass(frozen=True)
class LogKey:
    """One log file in storage, with the task instance it belongs to."""

    key: str
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int = -1
    trigger: bool = False
    gz: bool = False
    layout: str = "default"

    @property
    def instance(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.run_id, self.task_id, self.map_index)


class Layout:
    """The key patterns one source uses: a configured template first, then Airflow's default, then the old one."""

    def __init__(self, template: str | None = None) -> None:
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        if template:
            self.patterns.append(("template", template_regex(template)))
        self.patterns += [("default", DEFAULT_RX), ("old", OLD_RX)]

    def parse(self, key: str) -> LogKey | None:
        for name, rx in self.patterns:
            m = rx.match(key)
            if m:
                suffix = m.group("suffix") or ""
                groups = m.groupdict()
                return LogKey(
                    key=key,
                    dag_id=groups["dag_id"],
                    run_id=groups.get("run_id") or "",
                    task_id=groups["task_id"],
                    try_number=int(groups["try_number"]),
                    map_index=int(groups["map_index"]) if groups.get("map_index") is not None else -1,
                    trigger=".trigger." in suffix,
                    gz=suffix.endswith(".gz"),
                    layout=name,
                )
        return None


def run_matches(run_id: str, wanted: str) -> bool:
    """True when a key's run folder names `wanted`; old layouts use the logical date, e.g. `scheduled__<ts>`."""
    if run_id == wanted:
        return True
    tail = wanted.split("__", 1)[1] if "__" in wanted else None
    return tail is not None and run_id == tail


def check_id(value: str, what: str) -> str:
    """dag_id/run_id/task_id as they may appear in a key: no separators, no traversal, printable."""
    if (
        not isinstance(value, str)
        or not value
        or len(value) > 250
        or "/" in value
        or "\\" in value
        or value in (".", "..")
        or any(ord(c) < 32 for c in value)
    ):
        raise ToolError(f"{what} {value!r} is not a valid Airflow identifier")
    return value
