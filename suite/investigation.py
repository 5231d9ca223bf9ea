"""What an investigation found: the calls it made (steps), the facts it established with their evidence, what stays
unknown, whom to notify, and its conclusion."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    """One executed (or skipped) call of the plan."""

    title: str
    server: str
    tool: str
    ok: bool
    summary: str
    tokens: int
    ms: float
    arguments: dict[str, Any] = field(default_factory=dict)
    priority: int = 2
    origin: str = ""  # which result proposed it: "seed", "client", or "server.tool"


@dataclass
class Fact:
    """One thing known, and the evidence for it: the call that said so and where (line, commit, table)."""

    key: str
    value: Any
    source: str  # server.tool
    evidence: str = ""


@dataclass
class Investigation:
    dag_id: str
    run_id: str
    task_id: str
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    evidence: list[Fact] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conclusion: str = ""
    cause_identified: bool = False

    def add(self, key: str, value: Any, source: str, evidence: str = "", overwrite: bool = False) -> None:
        """Record a fact once (the first call that established it wins unless `overwrite`)."""
        if value in (None, "", [], {}):
            return
        if key in self.facts and not overwrite:
            return
        self.facts[key] = value
        self.evidence = [f for f in self.evidence if f.key != key]
        self.evidence.append(Fact(key, value, source, evidence))

    def append(self, key: str, value: Any, source: str, evidence: str = "") -> None:
        """Add one value to a list fact (no duplicates)."""
        if value in (None, "", [], {}):
            return
        values = self.facts.setdefault(key, [])
        if value not in values:
            values.append(value)
            self.evidence.append(Fact(key, value, source, evidence))

    @property
    def calls(self) -> int:
        return len(self.steps)

    @property
    def tokens(self) -> int:
        return sum(s.tokens for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["calls"] = self.calls
        out["tokens"] = self.tokens
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)
