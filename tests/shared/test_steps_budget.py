"""The cross-server result contract: next steps (structured + prose that agrees) and fitting a model to a budget."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from oncall_mcp.shared.budget import Truncation, estimate_tokens, fit_model
from oncall_mcp.shared.steps import NextStep, ToolResult


class Listing(ToolResult):
    header: str = "h"
    lines: list[str]
    notes: list[str] = Field(default_factory=list)


def step(priority: int, tool: str = "locate_task") -> NextStep:
    return NextStep(
        server="github", tool=tool, arguments={"dag_id": "d", "task_id": "t"}, why="find the code", priority=priority
    )


def test_prose_is_generated_from_the_steps_in_priority_order() -> None:
    result = Listing(lines=[], next_steps=[step(2, "blame"), step(1)])
    assert result.next_steps_text.index("github.locate_task") < result.next_steps_text.index("github.blame")
    assert 'dag_id="d"' in result.next_steps_text


def test_next_step_names_a_known_server_only() -> None:
    with pytest.raises(ValidationError):
        NextStep(server="jira", tool="x", why="y")  # type: ignore[arg-type]


def test_fit_model_keeps_a_prefix_and_says_what_was_cut() -> None:
    result = Listing(lines=[f"line {i} " + "x" * 200 for i in range(100)], notes=["n" * 50] * 10)
    fitted = fit_model(result, 800, ["lines", "notes"], "narrow the request", lambda field, kept: f"{field}:{kept}")
    assert estimate_tokens(fitted.model_dump_json()) <= 800
    assert fitted.lines == result.lines[: len(fitted.lines)] and 0 < len(fitted.lines) < 100
    t = fitted.truncation
    assert t.truncated and t.reason == "budget" and t.omitted == 100 - len(fitted.lines) + 10 - len(fitted.notes)
    assert t.next_cursor == f"lines:{len(fitted.lines)}" and t.how_to_get_more == "narrow the request"


def test_fit_model_leaves_a_fitting_answer_alone() -> None:
    result = Listing(lines=["a", "b"])
    assert fit_model(result, 2000, ["lines"]) == result
    assert result.truncation == Truncation()


def test_prose_shortens_long_arguments_but_the_step_keeps_them() -> None:
    sql = "SELECT " + ", ".join(f"column_{i}" for i in range(100)) + " FROM t"
    step = NextStep(server="trino", tool="validate_sql", arguments={"sql": sql}, why="check the fix")
    result = Listing(lines=[], next_steps=[step])
    assert result.next_steps[0].arguments["sql"] == sql
    assert sql not in result.next_steps_text and "chars: the full value is in next_steps" in result.next_steps_text


def test_fit_model_says_how_to_continue_when_it_names_a_cursor() -> None:
    result = Listing(lines=["x" * 200] * 50)
    fitted = fit_model(result, 500, ["lines"], next_cursor=lambda field, kept: str(kept))
    assert fitted.truncation.how_to_get_more == f"continue with cursor={fitted.truncation.next_cursor}"
