"""Next steps: the cross-server contract that tells a client (a program or an LLM) what to ask next.

Every tool result carries `next_steps` with concrete arguments filled from the result, naming the other server by
its catalogue name; servers never import each other, they only name each other's tools here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from oncall_mcp.shared.budget import Truncation

ServerName = Literal["airflow_logs", "github", "trino", "openmetadata", "lineage", "ownership"]
SERVER_NAMES: tuple[ServerName, ...] = ("airflow_logs", "github", "trino", "openmetadata", "lineage", "ownership")


# The plan every server's MCP prompt gives an LLM: the same one the oncall-mcp investigator runs.
FOLLOW_NEXT_STEPS = (
    "Then follow the `next_steps` every answer carries (the plan the oncall-mcp investigator runs): keep one list "
    "of all proposed steps; call the lowest `priority` first (1 = most likely explains the failure), and among equal "
    "priorities the steps of the earliest answers before later hops; pass the `arguments` as given (filled from the "
    "answer, valid for the target tool); skip a call already made with the same arguments; call one tool at most "
    "twice; stop after about 12 calls or 8,000 tokens of answers. End with one ownership.route_alert for the failed "
    "task, joining the `tables` and `upstream_late` the answers proposed for it. Report each fact with the tool "
    "and line that established it."
)


class NextStep(BaseModel):
    """One call worth making next, ready to execute: `server`.`tool`(**arguments)."""

    server: ServerName = Field(description="catalogue name of the server that has the tool")
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict, description="concrete arguments, filled from this result")
    why: str = Field(description="what the call is expected to show")
    priority: int = Field(2, ge=1, le=3, description="1 = do first, 3 = only if the others did not explain it")

    def call_text(self) -> str:
        """The call as one line; a long argument (a whole SQL statement) is shortened here, never in `arguments`."""
        args = ", ".join(f"{k}={_short(json.dumps(v, ensure_ascii=False))}" for k, v in self.arguments.items())
        return f"{self.server}.{self.tool}({args})"

    def prose(self) -> str:
        return f"{self.call_text()}: {self.why}"


PROSE_ARGUMENT_CHARS = 120


def _short(text: str) -> str:
    if len(text) <= PROSE_ARGUMENT_CHARS:
        return text
    return f"{text[: PROSE_ARGUMENT_CHARS - 40]}… ({len(text)} chars: the full value is in next_steps)"


def steps_prose(steps: Iterable[NextStep]) -> str:
    """The prose form of next steps, in priority order; generated so it always agrees with the structured steps."""
    ordered = sorted(steps, key=lambda s: s.priority)
    return " ".join(f"{i}) {s.prose()}." for i, s in enumerate(ordered, 1))


class ToolResult(BaseModel):
    """Base of every tool result: where to go next (structured and in prose) and whether the answer was cut."""

    next_steps: list[NextStep] = Field(default_factory=list, description="calls to make next, by priority")
    next_steps_text: str = Field("", description="the same next steps in prose")
    truncation: Truncation = Field(default_factory=Truncation)

    @model_validator(mode="after")
    def _prose_follows_steps(self) -> ToolResult:
        if self.next_steps and not self.next_steps_text:
            self.next_steps_text = steps_prose(self.next_steps)
        return self
