"""Every tool schema of all six servers, as a client lists it, is in the subset every LLM API accepts (Gemini,
google-genai's MCP converter, openai-agents strict mode) and still valid JSON Schema; progress reaches the client."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from pydantic import BaseModel, Field

from oncall_mcp.shared.app import OncallServer, add_heartbeat_note, areport_progress, report_progress
from oncall_mcp.shared.schemas import portable_schema
from oncall_mcp.shared.settings import ServerSettings, server_config
from oncall_mcp.suite.demo.sandbox import Sandbox, build

FORBIDDEN = ("$ref", "$defs", "definitions", "const", "exclusiveMinimum", "exclusiveMaximum")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return build(tmp_path_factory.mktemp("schemas") / "sandbox")


def configurations(box: Sandbox) -> Iterator[tuple[str, dict[str, str]]]:
    """Each server as the demo configures it, plus the configurations that add or change tools."""
    envs = box.env()
    yield from envs.items()
    yield "trino", {**envs["trino"], "OCM_TRINO_HOST": "127.0.0.1"}  # two engines: `engine` is an enum of two
    yield "github", {k: v for k, v in envs["github"].items() if "WRITE" not in k}  # read-only: no create_fix_pr


async def list_tools(server: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        built = importlib.import_module(f"oncall_mcp.servers.{server}.server").build_server()
    async with Client(built.mcp) as client:
        return list((await client.list_tools()).tools)


def walk(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{where}/{i}")


def portability_problems(schema: dict[str, Any]) -> list[str]:
    problems = []
    for where, node in walk(schema):
        if where.endswith("/properties") or where.endswith("/enum") or where.endswith("/default"):
            continue  # property names and literal values, not keywords
        problems += [f"{where}: {key}" for key in FORBIDDEN if key in node]
        branches = node.get("anyOf") or []
        if any(b == {"type": "null"} for b in branches):
            others = [b for b in branches if b != {"type": "null"}]
            if len(others) == 1:
                problems.append(f"{where}: anyOf[X, null] not written as type [X, null]")
            if "description" in node and any("description" not in b for b in others):
                problems.append(f"{where}: description not inside the non-null branches")
    return problems


async def test_every_tool_schema_of_every_server_is_portable(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[tuple[str, str]] = set()
    for server, env in configurations(sandbox):
        for tool in await list_tools(server, env, monkeypatch):
            seen.add((server, tool.name))
            for kind, schema in (("input", tool.input_schema), ("output", tool.output_schema)):
                assert schema is not None, f"{server}.{tool.name}: no {kind} schema"
                Draft202012Validator.check_schema(schema)
                assert portability_problems(schema) == [], f"{server}.{tool.name} {kind}"
    assert len({s for s, _ in seen}) == 6
    assert ("github", "create_fix_pr") in seen and len(seen) >= 34


def test_the_rewrite_keeps_meaning() -> None:
    class Edit(BaseModel):
        path: str = Field(description="repo-relative path")
        mode: str | None = Field(None, description="new file mode")

    class Args(BaseModel):
        engine: str = Field("spark", json_schema_extra={"const": "spark"}, description="the configured engine")
        timeout_s: float = Field(30, gt=0, description="seconds")
        attempts: int = Field(1, gt=0, lt=10)
        edits: list[Edit] = Field(description="the changes")
        first: Edit | None = Field(None, description="optional single edit")
        kind: str | None = Field(None, description="kind filter", max_length=20)

    raw = Args.model_json_schema()
    out = portable_schema(raw)
    Draft202012Validator.check_schema(out)
    assert portability_problems(out) == []
    props = out["properties"]
    assert props["engine"]["enum"] == ["spark"]
    assert props["timeout_s"]["description"] == "seconds (must be greater than 0)"
    assert (props["attempts"]["minimum"], props["attempts"]["maximum"]) == (1, 9)
    assert props["edits"]["items"]["properties"]["path"]["description"] == "repo-relative path"
    assert props["first"]["type"] == ["object", "null"] and props["first"]["description"] == "optional single edit"
    assert props["kind"] == {
        "type": ["string", "null"],
        "maxLength": 20,
        "default": None,
        "description": "kind filter",
        "title": "Kind",
    }
    sample = {"edits": [{"path": "dags/a.py", "mode": None}], "first": None, "kind": None, "attempts": 9}
    assert Draft202012Validator(out).is_valid(sample) and Draft202012Validator(raw).is_valid(sample)
    assert not Draft202012Validator(out).is_valid({**sample, "attempts": 10})


class _Settings(ServerSettings):
    model_config = server_config("progress_probe")


class Waited(BaseModel):
    slept: float


def progress_server() -> OncallServer:
    server = OncallServer("progress_probe", _Settings(), instructions="probe")

    @server.tool(title="Slow sync")
    def slow_sync(seconds: float = Field(description="how long to work")) -> Waited:
        """Works for a while and says what it is doing (a stand-in for an engine start or a big scan)."""
        report_progress("starting the engine", done=0, total=2)
        time.sleep(seconds)
        report_progress("engine started", done=1, total=2)
        return Waited(slept=seconds)

    @server.tool(title="Slow async")
    async def slow_async(seconds: float = Field(description="how long to work")) -> Waited:
        """Works for a while without reporting; the heartbeat speaks for it."""
        await areport_progress("reading the index")
        await anyio.sleep(seconds)
        return Waited(slept=seconds)

    return server


async def test_long_calls_report_progress_to_a_client_that_asks() -> None:
    heard: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, total, message))

    async with Client(progress_server().mcp) as client:
        result = await client.call_tool("slow_sync", {"seconds": 4.5}, progress_callback=on_progress)
        assert not result.is_error
        assert heard[0] == (0, 2, "starting the engine")
        assert heard[-1] == (1, 2, "engine started")
        beats = heard[1:-1]
        assert len(beats) >= 1 and all(m and m.startswith("starting the engine (") for _, _, m in beats), heard
        values = [p for p, _, _ in heard]
        assert values == sorted(values) and len(set(values)) == len(values)

        heard.clear()
        await client.call_tool("slow_async", {"seconds": 2.5}, progress_callback=on_progress)
        assert heard[0] == (0, None, "reading the index") and len(heard) >= 2, heard

        heard.clear()
        quiet = await client.call_tool("slow_sync", {"seconds": 0.1})  # no progress token: nothing is sent
        assert not quiet.is_error and heard == []


async def test_heartbeat_carries_what_the_process_is_waiting_for() -> None:
    """The trino server adds "Spark is starting" to the heartbeat while its warm-up runs."""
    heard: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append(message)

    undo = add_heartbeat_note(lambda: "Spark is starting (warm-up began 9 s ago)")
    try:
        async with Client(progress_server().mcp) as client:
            await client.call_tool("slow_async", {"seconds": 2.5}, progress_callback=on_progress)
    finally:
        undo()
    assert heard[0] == "reading the index"
    assert (
        heard[1]
        and heard[1].startswith("reading the index (")
        and heard[1].endswith("; Spark is starting (warm-up began 9 s ago)")
    )


def test_progress_outside_a_call_is_a_no_op(tmp_path: Path) -> None:
    report_progress("nobody is listening")
