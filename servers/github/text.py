"""Text helpers: binary detection, decoding, numbered lines cut to a character budget."""

from __future__ import annotations

from oncall_mcp.shared.errors import ToolError

MAX_LINE_CHARS = 1000


def decode_text(raw: bytes, path: str) -> str:
    if b"\0" in raw[:8192]:
        raise ToolError(f"{path} is a binary file ({len(raw)} bytes); only text files can be shown")
    return raw.decode("utf-8", "replace")


def numbered(lines: list[str], first: int, max_chars: int) -> tuple[str, int]:
    """`N| line` text of as many lines as fit in `max_chars` (at least one); returns (text, lines kept)."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f"… [+{len(line) - MAX_LINE_CHARS} chars]"
        row = f"{first + i}| {line}"
        if out and used + len(row) + 1 > max_chars:
            break
        out.append(row)
        used += len(row) + 1
    return "\n".join(out), len(out)
