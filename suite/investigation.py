"""What an investigation found: the tool calls it made (steps), the facts it established, and its conclusion."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    title: str
    server: str
    tool: str
    ok: bool
    summary: str
    tokens: int
    ms: float


@dataclass
class Investigation:
    dag_id: str
    run_id: str
    task_id: str
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    conclusion: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)
