"""Redaction against a corpus of realistic secrets (0 leaks) and of look-alikes that must stay (< 5% touched).

Corpus format (tests/shared/redaction_corpus/*.txt): blocks that start with `## <kind>: <context>`; in secrets.txt
the secret parts are wrapped in «…» (the markers are removed before redaction).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from mcp import Client
from pydantic import BaseModel, Field

from oncall_mcp.shared.app import OncallServer
from oncall_mcp.shared.redaction import redact, redact_result, redact_value
from oncall_mcp.shared.settings import ServerSettings
from tests.harness import SHARED_DATA, tool_text

CORPUS = Path(__file__).parent / "redaction_corpus"
SECRET = "«", "»"


def load_blocks(path: Path) -> list[tuple[str, str, str]]:
    """[(kind, context, text)] from the `## kind: context` block format."""
    blocks: list[tuple[str, str, str]] = []
    for chunk in path.read_text(encoding="utf-8").split("## ")[1:]:
        header, _, body = chunk.partition("\n")
        kind, _, context = header.partition(": ")
        blocks.append((kind.strip(), context.strip(), body.rstrip("\n")))
    return blocks


def split_secrets(marked: str) -> tuple[str, list[str]]:
    """Remove the «…» markers: the plain text and the secret parts."""
    secrets, plain, rest = [], [], marked
    while SECRET[0] in rest:
        before, _, tail = rest.partition(SECRET[0])
        secret, _, rest = tail.partition(SECRET[1])
        plain += [before, secret]
        secrets.append(secret)
    plain.append(rest)
    return "".join(plain), secrets


def leaked_parts(secret: str, output: str) -> list[str]:
    """Pieces of `secret` still visible: the whole secret, or any 10-character window of a longer one."""
    window = min(len(secret), 10)
    return [secret[i : i + window] for i in range(len(secret) - window + 1) if secret[i : i + window] in output]


SECRETS = load_blocks(CORPUS / "secrets.txt")
LOOKALIKES = load_blocks(CORPUS / "lookalikes.txt")


def test_corpus_size() -> None:
    kinds = {kind for kind, _, _ in SECRETS}
    parts = sum(len(split_secrets(text)[1]) for _, _, text in SECRETS)
    assert len(SECRETS) >= 40 and parts >= 40, (len(SECRETS), parts)
    assert len(kinds) >= 10, kinds
    assert len(LOOKALIKES) >= 40
    assert all(SECRET[0] not in text for _, _, text in LOOKALIKES)


def test_secret_corpus_has_no_leaks() -> None:
    leaks = []
    total = 0
    for kind, context, marked in SECRETS:
        text, secrets = split_secrets(marked)
        assert secrets, f"{kind}: {context}: no «secret» marked"
        out = redact(text)
        for secret in secrets:
            total += 1
            if leaked_parts(secret, out):
                leaks.append(f"{kind} ({context}): {secret[:12]}… leaked in {out!r}")
    rate = len(leaks) / total
    kinds = len({k for k, _, _ in SECRETS})
    print(f"\nredaction: {total} secrets of {kinds} kinds in {len(SECRETS)} contexts, leaked {len(leaks)} ({rate:.1%})")
    assert not leaks, "\n".join(leaks)


def test_lookalikes_mostly_untouched() -> None:
    touched = []
    for kind, context, text in LOOKALIKES:
        out = redact(text)
        if out != text:
            touched.append(f"{kind} ({context}): {text!r} -> {out!r}")
    rate = len(touched) / len(LOOKALIKES)
    print(f"\nredaction: {len(LOOKALIKES)} look-alikes, wrongly redacted {len(touched)} ({rate:.1%})")
    for line in touched:
        print("  touched:", line)
    assert rate < 0.05, "\n".join(touched)


def test_redaction_is_fast_on_a_large_log() -> None:
    lookalike_text = "\n".join(text for _, _, text in LOOKALIKES)
    secret_text = "\n".join(split_secrets(text)[0] for _, _, text in SECRETS)
    big = (lookalike_text + "\n") * 40 + secret_text  # ~400 KB of mostly ordinary log text
    start = time.process_time()  # CPU time: the CI machine is shared
    out = redact(big)
    elapsed = time.process_time() - start
    mb_per_s = len(big) / 1e6 / elapsed
    print(f"\nredaction: {len(big) / 1e3:.0f} KB in {elapsed * 1000:.0f} ms ({mb_per_s:.1f} MB/s)")
    assert "[REDACTED:" in out
    assert mb_per_s > 1.0, f"redaction too slow: {mb_per_s:.2f} MB/s"


def test_real_logs_untouched() -> None:
    """Real Airflow 3 task logs, OpenLineage events and loghub samples (no secrets in them) pass through unchanged."""
    files = [
        p for p in sorted(SHARED_DATA.rglob("*")) if p.is_file() and p.suffix in {".log", ".jsonl", ".json", ".csv"}
    ]
    assert files, f"no test data under {SHARED_DATA}"
    lines = changed = size = 0
    start = time.perf_counter()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        size += len(text)
        out = redact(text)
        for before, after in zip(text.splitlines(), out.splitlines(), strict=True):
            lines += 1
            if before != after:
                changed += 1
                print(f"  touched {path.name}: {before[:160]!r} -> {after[:160]!r}")
    elapsed = time.perf_counter() - start
    print(
        f"\nredaction: {lines} real log lines ({size / 1e6:.1f} MB, {size / 1e6 / elapsed:.1f} MB/s), changed {changed}"
    )
    assert changed / lines < 0.01


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("max_tokens=2000", "max_tokens=2000"),
        ("password=***", "password=***"),
        ("token: null", "token: null"),
        ("PASS=14 WARN=0 ERROR=1", "PASS=14 WARN=0 ERROR=1"),
        ("password_min_length=12", "password_min_length=12"),
        ("http://host:8080/api/@me", "http://host:8080/api/@me"),
        ("conn_id=secret_store token_count=3", "conn_id=secret_store token_count=3"),
        ("", ""),
    ],
)
def test_harmless_values_kept(text: str, kept: str) -> None:
    assert redact(text) == kept


def test_redaction_is_idempotent() -> None:
    for _, _, marked in SECRETS:
        once = redact(split_secrets(marked)[0])
        assert redact(once) == once


class Inner(BaseModel):
    line: str
    count: int


class Outer(BaseModel):
    title: str
    lines: list[Inner]
    meta: dict[str, str]


def test_redact_value_and_result_keep_types() -> None:
    key = "AKIA" + "Q" * 12 + "7ABC"
    value = redact_value({"a": [f"id {key}", ("t", key)], "n": 3, "none": None})
    assert value["n"] == 3 and value["none"] is None
    assert isinstance(value["a"][1], tuple)
    assert key not in json.dumps(value)
    model = Outer(title=f"creds {key}", lines=[Inner(line=f"k={key}", count=2)], meta={"x": key})
    red = redact_result(model)
    assert isinstance(red, Outer) and isinstance(red.lines[0], Inner)
    assert key not in red.model_dump_json()
    assert red.lines[0].count == 2


class Echo(BaseModel):
    text: str
    headers: dict[str, str]


async def test_every_tool_output_is_redacted_end_to_end(tmp_path: Path) -> None:
    """A tool returning secrets through OncallServer: the client and the audit line see them redacted."""
    audit = tmp_path / "audit.jsonl"
    server = OncallServer("redact_probe", ServerSettings(audit_file=audit), instructions="test")
    bearer = "Z" * 8 + "q1w2e3r4t5y6u7i8o9p0"
    pg_password = "Pg-S3cret-9911"

    @server.tool(title="Echo")
    def echo(text: str, token: str = "") -> Echo:
        """Echo the text back with some headers (a probe for redaction of every output)."""
        return Echo(text=text, headers={"Authorization": f"Bearer {bearer}", "dsn": f"postgres://u:{pg_password}@h/db"})

    @server.tool(title="Text")
    async def plain(text: str) -> str:
        """Return the text unchanged as a plain string (a probe for redaction of unstructured output)."""
        return text

    @server.tool(title="Fail")
    def fail(text: str) -> Echo:
        """Fail with an actionable error that quotes the input (a probe for redaction of error text)."""
        from oncall_mcp.shared.errors import ToolError

        raise ToolError(f"cannot parse {text}")

    gh = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    async with Client(server.mcp) as client:
        r = await client.call_tool("echo", {"text": f"log line with {gh}", "token": gh})
        assert not r.is_error
        shown = tool_text(r) + json.dumps(r.structured_content)
        for secret in (gh, bearer, pg_password):
            assert secret not in shown, secret
        assert "[REDACTED:github-token]" in r.structured_content["text"]
        r2 = await client.call_tool("plain", {"text": f"password={pg_password}"})
        assert pg_password not in tool_text(r2) + json.dumps(r2.structured_content)
        r3 = await client.call_tool("fail", {"text": f"Authorization: Bearer {bearer}"})
        assert r3.is_error and bearer not in tool_text(r3) and "cannot parse" in tool_text(r3)

    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [rec["tool"] for rec in records] == ["echo", "plain", "fail"]
    dumped = audit.read_text()
    for secret in (gh, bearer, pg_password):
        assert secret not in dumped
    assert records[0]["args"]["token"].startswith("[REDACTED")
    assert records[2]["outcome"] == "tool_error"


class Strict(BaseModel):
    dsn: str = Field(pattern=r"^postgres://")
    code: str = Field(max_length=12)
    password: str = ""
    children: list[Strict] = []


def test_redact_result_never_revalidates() -> None:
    """A redacted value may break a field constraint; the answer must still come back (redacted), not fail."""
    model = Strict(
        dsn="postgres://etl:Pg-S3cret-77@db/dw",
        code="pwd=S3cr3t!9",
        password="plain words",
        children=[Strict(dsn="postgres://a:b-S3cret-88@h/d", code="ok")],
    )
    red = redact_result(model)
    assert isinstance(red, Strict) and isinstance(red.children[0], Strict)
    dumped = red.model_dump_json()
    assert "Pg-S3cret-77" not in dumped and "b-S3cret-88" not in dumped and "plain words" not in dumped
    assert red.code == "pwd=[REDACTED:secret]"  # longer than max_length=12: re-validation would have failed
    assert red.children[0].code == "ok"
    assert model.password == "plain words"  # the original is not mutated
