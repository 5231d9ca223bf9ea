"""Keeps each server README's tools table generated from the server's live `tools/list`, so it cannot drift."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio

from suite.catalog import SERVERS
from suite.demo.sandbox import build
from suite.pool import ServerPool

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- tools:begin (generated from the live tool list by `oncall-mcp docs`; do not edit by hand) -->"
END = "<!-- tools:end -->"


def _signature(tool: Any) -> str:
    props: dict[str, Any] = tool.input_schema.get("properties", {})
    required = set(tool.input_schema.get("required", []))
    parts = []
    for name, spec in props.items():
        if name in required:
            parts.append(name)
        else:
            default = spec.get("default")
            parts.append(f"{name}={default!r}" if default is not None else f"{name}?")
    return f"`{tool.name}({', '.join(parts)})`"


def _first_paragraph(text: str | None) -> str:
    para = (text or "").strip().split("\n\n")[0]
    return re.sub(r"\s+", " ", para).replace("|", "\\|")


def _hints(tool: Any) -> str:
    a = tool.annotations
    flags = ["read-only" if a.read_only_hint else "writes"]
    if a.destructive_hint:
        flags.append("destructive")
    flags.append("idempotent" if a.idempotent_hint else "not idempotent")
    if a.open_world_hint:
        flags.append("open world")
    return ", ".join(flags)


def render_table(tools: list[Any]) -> str:
    rows = ["| tool | what it answers | hints |", "|---|---|---|"]
    rows += [f"| {_signature(t)} | {_first_paragraph(t.description)} | {_hints(t)} |" for t in tools]
    return "\n".join(rows)


def splice(readme: str, table: str) -> str:
    """Put `table` between the markers; the first time, replace the table under `## Tools` (or append a section)."""
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in readme and END in readme:
        head, rest = readme.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    m = re.search(r"^## Tools[^\n]*\n", readme, re.M)
    if not m:
        return readme.rstrip("\n") + f"\n\n## Tools\n\n{block}\n"
    after = readme[m.end() :]
    t = re.search(r"(^\|.*\|\n)+", after, re.M)
    if t and not after[: t.start()].strip("\n").count("\n## "):
        return readme[: m.end()] + after[: t.start()] + block + "\n" + after[t.end() :]
    return readme[: m.end()] + "\n" + block + "\n" + after


async def live_tools(sandbox: Path) -> dict[str, list[Any]]:
    box = build(sandbox)
    async with ServerPool(box.env(), stderr_dir=box.root / "server-logs") as pool:
        return {name: sorted(pool.tool_defs[name], key=lambda t: t.name) for name in pool.tool_defs}


def run_docs(check: bool) -> int:
    """Regenerate (or with `check`, verify) servers/<name>/README.md tools tables."""
    with tempfile.TemporaryDirectory() as tmp:
        tools = anyio.run(live_tools, Path(tmp) / "sandbox")
    stale = []
    for name in SERVERS:
        path = ROOT / "servers" / name / "README.md"
        current = path.read_text(encoding="utf-8") if path.exists() else f"# {name}\n"
        updated = splice(current, render_table(tools[name]))
        if updated != current:
            stale.append(str(path.relative_to(ROOT)))
            if not check:
                path.write_text(updated, encoding="utf-8")
    if check and stale:
        sys.stderr.write("tools tables out of date (run `oncall-mcp docs`): " + ", ".join(stale) + "\n")
        return 1
    sys.stderr.write(("updated: " + ", ".join(stale) if stale else "all tools tables up to date") + "\n")
    return 0
