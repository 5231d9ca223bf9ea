"""Redaction against a corpus of realistic secrets (0 leaks) and of look-alikes that must stay (0 touched).

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
from tests.harness import SHARED_DATA, requires_shared_data, tool_text

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
    assert len(SECRETS) >= 150 and parts >= 180, (len(SECRETS), parts)
    assert len(kinds) >= 60, kinds
    assert len(LOOKALIKES) >= 100
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
    assert not leaks, f"{len(leaks)} of {total} secrets leaked:\n" + "\n".join(leaks)


def test_lookalikes_untouched() -> None:
    touched = []
    for kind, context, text in LOOKALIKES:
        out = redact(text)
        if out != text:
            touched.append(f"{kind} ({context}): {text!r} -> {out!r}")
    assert not touched, f"{len(touched)} of {len(LOOKALIKES)} look-alikes redacted:\n" + "\n".join(touched)


def test_secrets_inside_a_large_log_are_all_found() -> None:
    """Secrets at the end of ~400 KB of ordinary text (speed is measured by bench/redaction.py, not here)."""
    lookalike_text = "\n".join(text for _, _, text in LOOKALIKES)
    plain, secrets = [], []
    for _, _, text in SECRETS:
        line, found = split_secrets(text)
        plain.append(line)
        secrets.extend(found)
    out = redact((lookalike_text + "\n") * 40 + "\n".join(plain))
    assert out.startswith(lookalike_text)
    assert not [s for s in secrets if leaked_parts(s, out)]


@requires_shared_data
def test_real_logs_untouched() -> None:
    """Real Airflow 3 task logs, OpenLineage events and loghub samples (no secrets in them) pass through unchanged."""
    files = [
        p for p in sorted(SHARED_DATA.rglob("*")) if p.is_file() and p.suffix in {".log", ".jsonl", ".json", ".csv"}
    ]
    assert files, f"no test data under {SHARED_DATA}"
    changed = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        out = redact(text)
        changed += [
            f"{path.name}: {before[:160]!r} -> {after[:160]!r}"
            for before, after in zip(text.splitlines(), out.splitlines(), strict=True)
            if before != after
        ]
    assert not changed, "\n".join(changed)  # no genuine secret in the shared data


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


# --- multi-line state, clipping, hygiene ------------------------------------------------------------------------
PEM_BODY = [
    "MIIEpAIBAAKCAQEAx3vQ9kL2mN8pR4sT6uV1wX3yZ5aB7cD9eF1gH3iJ5kL7mN9o",
    "pQ1rS3tU5vW7xY9zA1bC3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1",
    "fG3hI5jK7lM9nO1pQ3rS5tU7vW9xY1zA3bC5dE7fG9hI1jK3lM5nO7pQ9rS1tU3",
    "vW5xY7zA9bC1dE3fG5hI7jK9lM1nO3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hI3jK5",
]
SSH_BODY = [
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "QyNTUxOQAAACBx7Qk2Lm9Pn4Rs6Tu8Vw0Xy2Za4Bc6De8Fg0Hi2Jk4Lm6No8Pq0Rs2Tu4Vw",
]
PGP_BODY = ["lQOYBGV7kZ8BCADm3Xq9Lr2Ws5Ty8Uz1Vb4Nc7Md0Pe3Qf6Rg9Sh2Ti5Uj8Vk1Wl4Xm7Y"]
YAML_SECRET, BLOCK_SECRET = "Qw7Rt9Yu2Io4Pa6Sd", "Zx3Cv5Bn7Mq9Wr2Ty4Ui6"
CLIP_SECRET = "ghp_" + "Hj8Kl2Zx4Cv6Bn8Mq1Wr3Ty5Ui7Op9AsDf2G"  # cut by the 2,000-char clip, its prefix is no token
LOG_PREFIX = "[2026-11-22, 01:57:22 UTC] {subprocess.py:93} INFO - "


def _secret_log() -> str:
    lines = [f"{LOG_PREFIX}writing deploy key", "-----BEGIN RSA PRIVATE KEY-----", *PEM_BODY]
    lines += ["-----END RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", *SSH_BODY]
    lines += ["-----END OPENSSH PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "", *PGP_BODY]
    lines += ["-----END PGP PRIVATE KEY BLOCK-----", "db:", "  password:", f"    {YAML_SECRET}", "  token: |"]
    lines += [f"    {BLOCK_SECRET}", "  host: pg.internal", "x" * 1965 + f" pushing with {CLIP_SECRET} and more"]
    lines += [f"{LOG_PREFIX}colour \x1b[31mred\x1b[0m and hidden\u200b\u202etext\U000e0041"]
    return "\n".join(lines) + "\n"


SECRET_PIECES = [*PEM_BODY, *SSH_BODY, *PGP_BODY, YAML_SECRET, BLOCK_SECRET, CLIP_SECRET]


def _leaks(shown: str) -> list[str]:
    return [p[:12] for p in SECRET_PIECES if leaked_parts(p, shown)]


async def test_read_log_masks_multiline_secrets_and_clip_boundary(tmp_path: Path) -> None:
    """Through the MCP client: airflow_logs.read_log over a local log with key blocks, YAML next-line and block
    values, a secret straddling the 2,000-char clip, and invisible characters: nothing secret, nothing hidden."""
    from oncall_mcp.servers.airflow_logs.server import build_server
    from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

    rel = "dag_id=d/run_id=manual__2026-11-22T01:57:22+00:00/task_id=t/attempt=1.log"
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_text(_secret_log(), encoding="utf-8")
    server = build_server(AirflowLogsSettings(source=str(tmp_path)))
    async with Client(server.mcp) as client:
        for args in ({"start_line": 1}, {"start_line": 4}, {"around_line": 20, "max_lines": 6}):
            r = await client.call_tool("read_log", {"log_ref": rel, **args})
            assert not r.is_error, tool_text(r)
            shown = tool_text(r) + json.dumps(r.structured_content)
            assert not _leaks(shown), (args, _leaks(shown))
            if args.get("start_line") == 1:
                texts = [line["text"] for line in r.structured_content["lines"]]
                assert texts[1] == "-----BEGIN RSA PRIVATE KEY-----" and texts[2] == "[REDACTED:private-key]"
                assert "    [REDACTED:secret]" in texts and "  host: pg.internal" in texts
                assert "pushing with [REDAC" in shown  # the mask itself may be clipped
                for hidden in ("\x1b", "\u200b", "\u202e", "\U000e0041"):
                    assert hidden not in shown
                assert "\\u{200b}" in texts[-1] and "\\u{e0041}" in texts[-1]


def test_line_items_are_redacted_together() -> None:
    """One line per item (read_log's LogLine list, a file's lines): state carries across items."""
    lines = _secret_log().splitlines()
    out = redact_value([Inner(line=line, count=i) for i, line in enumerate(lines)])
    shown = json.dumps([o.model_dump() for o in out])
    assert not _leaks(shown), _leaks(shown)
    assert [o.count for o in out] == list(range(len(lines)))
    assert not _leaks("\n".join(redact_value(lines)))
    assert not _leaks(redact(_secret_log()))
    assert redact(_secret_log()).count("\n") == _secret_log().count("\n")


def test_window_starting_inside_a_key_block() -> None:
    """A read window that starts after BEGIN: the body lines before END are still masked."""
    window = [*PEM_BODY[1:], "-----END RSA PRIVATE KEY-----", "next line"]
    out = redact_value(window)
    assert out[-2:] == window[-2:] and not _leaks("\n".join(out))
    assert not _leaks(redact(PEM_BODY[2]))  # even one body line alone


def test_line_redactor_stream_keeps_state() -> None:
    from oncall_mcp.shared.redaction import LineRedactor

    red = LineRedactor()
    out = [red(line) for line in _secret_log().splitlines()]
    assert not _leaks("\n".join(out))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok\ttab\nnext", "ok\ttab\nnext"),
        ("crlf\r\nline", "crlf\r\nline"),
        ("\x1b[31mERROR\x1b[0m", "\\u{1b}[31mERROR\\u{1b}[0m"),
        ("a\u200bb\u200dc\u2060d\ufeffe", "a\\u{200b}b\\u{200d}c\\u{2060}d\\u{feff}e"),
        ("x\u202eevil\u202c \u2066y\u2069", "x\\u{202e}evil\\u{202c} \\u{2066}y\\u{2069}"),
        ("tag\U000e0049\U000e0067\U000e006e", "tag\\u{e0049}\\u{e0067}\\u{e006e}"),
        ("bell\x07 nul\x00 del\x7f lone\rcr", "bell\\u{7} nul\\u{0} del\\u{7f} lone\\u{d}cr"),
        ("café 日本 ✓", "café 日本 ✓"),
    ],
)
def test_invisible_and_control_characters_made_visible(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


def test_log_records_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    """install_log_redaction(): records of any logger (py4j/pyspark included), args and tracebacks, reach stderr
    redacted."""
    import logging
    import sys

    from oncall_mcp.shared.redaction import install_log_redaction

    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_log_redaction()
        key = "AKIA" + "Q" * 12 + "7ABC"
        logging.getLogger("py4j.java_gateway").warning("plan: Filter (secret = %s)", f"token={CLIP_SECRET}")
        try:
            raise ValueError(f"conn postgres://u:{YAML_SECRET}@h/db {key}")
        except ValueError:
            logging.getLogger("pyspark").exception("failed")
    finally:
        root.removeHandler(handler)
    err = capsys.readouterr().err
    assert "plan: Filter" in err and "ValueError" in err
    for secret in (CLIP_SECRET, YAML_SECRET, key):
        assert secret not in err


def test_redacting_pipe_for_child_processes() -> None:
    import io
    import os

    from oncall_mcp.shared.redaction import redacting_pipe

    sink = io.StringIO()
    fd = redacting_pipe(sink)
    os.write(fd, ("\n".join(["-----BEGIN PRIVATE KEY-----", *PEM_BODY, "-----END PRIVATE KEY-----"]) + "\n").encode())
    os.close(fd)
    for _ in range(100):
        if sink.getvalue().count("\n") >= len(PEM_BODY) + 2:
            break
        time.sleep(0.02)
    assert "-----END PRIVATE KEY-----" in sink.getvalue() and not _leaks(sink.getvalue())


def test_audit_record_redaction() -> None:
    from oncall_mcp.shared.redaction import redact_record

    rec = redact_record({"tool": "read_log", "caller": "a\u202eb", "args": {"q": f"token={CLIP_SECRET}"}, "n": 3})
    assert CLIP_SECRET not in json.dumps(rec) and rec["n"] == 3 and "\u202e" not in rec["caller"]
