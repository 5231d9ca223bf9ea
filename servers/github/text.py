"""Text helpers: binary detection, decoding, numbered lines cut to a character budget."""

from __future__ import annotations

import difflib

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


def unified_diff(path: str, old: bytes | None, new: bytes) -> str:
    """A git-style unified diff of one regular file (for backends that cannot run git on the committed trees)."""
    a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
    b = new.decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(a, b, f"a/{path}" if old is not None else "/dev/null", f"b/{path}"))
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    header = f"diff --git a/{path} b/{path}\n" + ("new file mode 100644\n" if old is None else "")
    return header + text
