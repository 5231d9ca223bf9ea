"""Errors (ToolError text, generic internal error with a request id) and the JSON audit line of every call."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.shared.audit import AuditLog
from oncall_mcp.shared.errors import ToolError, not_found
from oncall_mcp.shared.runner import TOO_DEEP_MARKER, flatten_deep_json
from tests.harness import ROOT, initialize_messages, server_env, tool_text
from tests.shared.probe_server import ProbeSettings, build_server

LEAK = "Hunter2-db-pass"


def test_not_found_lists_candidates() -> None:
    err = not_found("task", "load_report", [f"t{i}" for i in range(12)], hint="Call list_tasks first.")
    assert isinstance(err, ToolError)
    text = str(err)
    assert text.startswith("task 'load_report' not found; closest: t0, t1")
    assert "(+2 more)" in text and text.endswith("Call list_tasks first.")
    assert str(not_found("dag", "x")) == "dag 'x' not found"


async def test_internal_error_is_generic_with_request_id(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    audit = tmp_path / "audit.jsonl"
    server = build_server(ProbeSettings(audit_file=audit))
    with caplog.at_level(logging.ERROR, logger="oncall.errors"):
        async with Client(server.mcp) as client:
            r = await client.call_tool("crash", {"text": LEAK})
            ok = await client.call_tool("whoami", {})
    text = tool_text(r)
    assert r.is_error
    found = re.search(r"request id ([0-9a-f]{12})", text)
    assert found, text
    assert LEAK not in text and "postgres" not in text and "RuntimeError" not in text
    assert not ok.is_error, "server stopped serving after an internal error"
    logged = [rec for rec in caplog.records if found.group(1) in rec.getMessage()]
    assert logged, caplog.text
    message = logged[0].getMessage()
    assert "Traceback (most recent call last)" in message and "RuntimeError: backend said" in message
    assert LEAK not in message, "the operator log must be redacted too"
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert records[0]["outcome"] == "internal_error" and found.group(1) in records[0]["error"]
    assert LEAK not in records[0]["error"] and "postgres://" not in audit.read_text()


def stdio_exchange(module: str, env: dict[str, str], *calls: dict) -> tuple[dict, str]:
    """Send initialize + tools/list + calls; keep stdin open until every request is answered; (responses, stderr)."""
    messages = initialize_messages(*calls)
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(env),
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout
    for msg in messages:
        proc.stdin.write(json.dumps(msg) + "\n")
    proc.stdin.flush()
    responses: dict = {}
    expected = {m["id"] for m in messages if "id" in m}
    for line in proc.stdout:
        msg = json.loads(line)
        assert msg.get("jsonrpc") == "2.0", line
        responses[msg.get("id")] = msg
        if expected <= responses.keys():
            break
    proc.stdin.close()
    err = proc.stderr.read() if proc.stderr else ""
    proc.wait(timeout=30)
    return responses, err


@pytest.mark.process
def test_internal_error_traceback_on_stderr_of_real_process() -> None:
    """Over stdio: the client text has the request id; stderr has the traceback under the same id."""
    responses, stderr = stdio_exchange("tests.shared.probe_server", {}, {"name": "crash", "arguments": {"text": "x"}})
    call = responses[3]["result"]
    assert call["isError"]
    request_id = re.search(r"request id ([0-9a-f]{12})", call["content"][0]["text"]).group(1)  # type: ignore[union-attr]
    assert f"request_id={request_id}" in stderr
    assert "Traceback (most recent call last)" in stderr and "RuntimeError: backend said" in stderr


async def test_audit_line_per_call(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    server = build_server(ProbeSettings(audit_file=audit))
    async with Client(server.mcp) as client:
        await client.call_tool("whoami", {})
        await client.call_tool("crash", {"text": "token=ghp_" + "a1B2" * 9})
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert len(records) == 2
    first, second = records
    assert set(first) >= {"ts", "server", "tool", "caller", "args", "outcome", "duration_ms", "bytes_returned"}
    assert (first["server"], first["tool"], first["outcome"]) == ("probe", "whoami", "ok")
    assert first["caller"].startswith("local") and first["bytes_returned"] > 0 and first["duration_ms"] >= 0
    assert second["args"]["text"] == "token=[REDACTED:github-token]"
    assert second["outcome"] == "internal_error"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_refused_calls_are_audited_too(tmp_path: Path, mode: str) -> None:
    """Arguments failing validation and an unknown tool never reach the tool body; each still leaves one line."""
    audit = tmp_path / "audit.jsonl"
    server = build_server(ProbeSettings(audit_file=audit))
    secret = "ghp_" + "a1B2" * 9
    async with Client(server.mcp, mode=mode) as client:
        bad = await client.call_tool("crash", {"text": 7})
        extra = await client.call_tool("echo", {"txt": "hi", "note": f"token={secret}"})
        unknown = await client.call_tool("no_such_tool", {"password": "pw=S3cret-99"})
        after = await client.call_tool("whoami", {})
    assert bad.is_error and extra.is_error and unknown.is_error and not after.is_error
    # an argument the tool does not take is refused by name (the SDK would drop it silently), with the closest one
    assert tool_text(extra) == (
        "Error executing tool echo: unknown argument 'note', 'txt' (did you mean 'text'?); echo takes: text"
    )
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["tool"], r["outcome"]) for r in records] == [
        ("crash", "invalid_arguments"),
        ("echo", "invalid_arguments"),
        ("no_such_tool", "unknown_tool"),
        ("whoami", "ok"),
    ]
    invalid, unknown_args, missing, _ = records
    assert invalid["caller"].startswith("local") and invalid["args"]["text"] == 7
    assert invalid["error"] == "arguments failed validation: text"
    assert unknown_args["error"] == "unknown arguments: note, txt"
    assert missing["error"] == "unknown tool" and missing["bytes_returned"] == 0
    text = audit.read_text()
    assert secret not in text and "S3cret" not in text


def test_audit_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog("srv")
    entry = log.record("t", "alice", {"q": "x" * 1000, "password": "pw=S3cret-99"}, "ok", 1.234, 10)
    out, err = capsys.readouterr()
    assert out == ""
    line = json.loads(err)
    assert line == entry and line["caller"] == "alice" and line["duration_ms"] == 1.23
    assert len(line["args"]["q"]) < 400 and "chars cut" in line["args"]["q"]
    assert "S3cret" not in err


@pytest.mark.process
def test_audit_file_from_env_over_stdio(tmp_path: Path) -> None:
    """OCM_<SERVER>_AUDIT_FILE: the real ownership server appends one line per call there, not to stdout."""
    registry = tmp_path / "registry.yaml"
    registry.write_text("teams:\n  - name: data-platform\n    aliases: [platform]\n")
    audit = tmp_path / "audit.jsonl"
    env = {"OCM_OWNERSHIP_REGISTRY": str(registry), "OCM_OWNERSHIP_AUDIT_FILE": str(audit)}
    responses, stderr = stdio_exchange(
        "oncall_mcp.servers.ownership", env, {"name": "find_team", "arguments": {"query": "platform"}}
    )
    assert not responses[3]["result"]["isError"]
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["server"], r["tool"], r["outcome"]) for r in records] == [("ownership", "find_team", "ok")]
    assert records[0]["args"]["query"] == "platform"
    assert '"audit": "tool_call"' not in stderr


def nested_list_json(depth: int) -> str:
    """`[[[..."x"...]]]` as JSON text (json.dumps itself cannot encode a few thousand levels)."""
    return "[" * depth + '"x"' + "]" * depth


def test_flatten_deep_json_keeps_envelope_and_strings() -> None:
    text = '{"id": 7, "s": "[[{\\"]", "v": ' + nested_list_json(250) + "}"
    flat = json.loads(flatten_deep_json(text, limit=10))
    assert flat["id"] == 7 and flat["s"] == '[[{"]'
    value, depth = flat["v"], 1
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (value, depth) == (TOO_DEEP_MARKER, 10)
    assert flatten_deep_json('{"a": [1, {"b": "]"}]}') == '{"a": [1, {"b": "]"}]}'


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_deeply_nested_argument_in_memory(tmp_path: Path, mode: str) -> None:
    audit = tmp_path / "audit.jsonl"
    server = build_server(ProbeSettings(audit_file=audit))
    value: object = "x"
    for _ in range(250):
        value = [value]
    async with Client(server.mcp, mode=mode) as client:
        deep = await client.call_tool("crash", {"text": value})
        after = await client.call_tool("whoami", {})
    assert deep.is_error and "nested deeper than" in tool_text(deep)
    assert not after.is_error
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["tool"], r["outcome"]) for r in records] == [("crash", "invalid_arguments"), ("whoami", "ok")]


@pytest.mark.process
@pytest.mark.parametrize("depth", [250, 5000])
def test_deeply_nested_argument_over_stdio_gets_an_answer(depth: int) -> None:
    """Before: pydantic-core's JSON parser gave up at 200 levels, the SDK dropped the message, the client waited
    forever. Now the request keeps its id and gets an isError answer; the next call works."""
    init, initialized, _ = initialize_messages()
    lines = [
        json.dumps(init),
        json.dumps(initialized),
        '{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "crash", "arguments": {"text": '
        + nested_list_json(depth)
        + "}}}",
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}}),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.shared.probe_server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=server_env({}),
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout
    answers: dict[int, dict] = {}

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            msg = json.loads(line)
            answers[msg.get("id")] = msg
            if {1, 3, 4} <= answers.keys():
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc.stdin.write("\n".join(lines) + "\n")
    proc.stdin.flush()
    reader.join(timeout=30)
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    assert 3 in answers, f"no answer to the deeply nested call (got ids {sorted(answers, key=str)})"
    result = answers[3]["result"]
    assert result["isError"] and "nested deeper than" in result["content"][0]["text"]
    assert answers[4]["result"]["structuredContent"]["caller"].startswith("local")
