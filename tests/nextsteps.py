"""Check that next steps a server emits can be executed: the target tool exists and takes those arguments.

The catalogue is read from every server's `tools/list` snapshot (tests/<server>/snapshots/tools_list*.json), so a
next step naming a tool or argument that another server does not have fails here, across the rooms, without a
server importing another."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


@cache
def catalogue() -> dict[str, dict[str, dict[str, Any]]]:
    """server → tool → inputSchema, over every snapshot (the write-enabled github snapshot included)."""
    tools: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(ROOT.glob("*/snapshots/tools_list*.json")):
        data = json.loads(path.read_text())
        listed = data if isinstance(data, list) else data.get("tools", [])
        for tool in listed:
            tools.setdefault(path.parts[-3], {})[tool["name"]] = tool.get("inputSchema", {})
    return tools


def step_problems(steps: list[dict[str, Any]]) -> list[str]:
    """What is wrong with each step (unknown server/tool, unknown or missing required arguments); [] when all run."""
    problems = []
    for step in steps:
        server, tool, args = step["server"], step["tool"], step.get("arguments", {})
        schema = catalogue().get(server, {}).get(tool)
        if schema is None:
            problems.append(f"{server}.{tool}: no such tool")
            continue
        known = set(schema.get("properties", {}))
        unknown = sorted(set(args) - known)
        missing = sorted(set(schema.get("required", [])) - set(args))
        if unknown:
            problems.append(f"{server}.{tool}: unknown arguments {unknown} (takes {sorted(known)})")
        if missing:
            problems.append(f"{server}.{tool}: missing required arguments {missing}")
    return problems


def assert_steps_runnable(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Assert a tool result's `next_steps` are all runnable; returns them."""
    steps = result.get("next_steps", [])
    problems = step_problems(steps)
    assert not problems, problems
    return steps
