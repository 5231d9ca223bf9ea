"""Text helpers: binary detection, decoding, numbered lines cut to a character budget, git-style path quoting."""

from __future__ import annotations

import difflib
import re

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


# git's quote_c_style table (quote.c) with core.quotePath off, as the local backend runs git: control characters,
# DEL, `"` and `\\` are escaped, other characters (non-ASCII included) are kept.
_GIT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}
_GIT_ESCAPES |= {'"': '\\"', "\\": "\\\\"}
_GIT_MUST_QUOTE = re.compile('[\x00-\x1f\x7f"\\\\]')
_GIT_UNESCAPES = {v[1]: k for k, v in _GIT_ESCAPES.items()}
_GIT_QUOTED_PART = re.compile(r'(?P<plain>[^"\\]+)|\\(?P<escape>[0-3][0-7]{2}|[abtnvfr"\\])')
_GIT_QUOTED_BODY = re.compile(r'(?:[^"\\]|\\(?:[0-3][0-7]{2}|[abtnvfr"\\]))*')


def _git_escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _GIT_ESCAPES.get(ch) or f"\\{ord(ch):03o}"


def git_quote(name: str) -> str:
    """`name` as git prints a path (diff headers, `--name-only`): unchanged, or C-quoted when it holds a control
    character, `"` or a backslash (`"a/we\\nird"`), so a file name can never start a line of its own."""
    return f'"{_GIT_MUST_QUOTE.sub(_git_escape, name)}"' if _GIT_MUST_QUOTE.search(name) else name


def git_unquote(text: str) -> str | None:
    """The path a `git_quote`d name stands for (octal escapes are bytes of its UTF-8); None when `text` is not a
    C-quoted name."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"' or not _GIT_QUOTED_BODY.fullmatch(text[1:-1]):
        return None
    out = bytearray()
    for m in _GIT_QUOTED_PART.finditer(text[1:-1]):
        plain, escape = m.group("plain"), m.group("escape")
        if plain is not None:
            out += plain.encode("utf-8", "surrogateescape")
        elif escape[0].isdigit():
            out.append(int(escape, 8))
        else:
            out += _GIT_UNESCAPES[escape].encode()
    return out.decode("utf-8", "surrogateescape")


def diff_headers(old: str | None, new: str | None, mode_line: str = "", labels: bool = True) -> str:
    """The header of one file's diff as git writes it (None = the file is absent on that side): `diff --git`, an
    optional mode line, then (with `labels`) `---`/`+++`, `/dev/null` for a missing side. Names are quoted like
    git's and a label whose name holds a space ends with a tab, as git's does."""
    a, b = old if old is not None else new, new if new is not None else old
    assert a is not None and b is not None

    def label(prefix: str, name: str | None) -> str:
        return "/dev/null" if name is None else git_quote(prefix + name) + ("\t" if " " in name else "")

    head = f"diff --git {git_quote('a/' + a)} {git_quote('b/' + b)}\n{mode_line}"
    return f"{head}--- {label('a/', old)}\n+++ {label('b/', new)}\n" if labels else head


def unified_diff(path: str, old: bytes | None, new: bytes) -> str:
    """A git-style unified diff of one regular file (for backends that cannot run git on the committed trees)."""
    a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
    b = new.decode("utf-8", "replace").splitlines(keepends=True)
    hunks = list(difflib.unified_diff(a, b))[2:]
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in hunks)
    mode_line = "new file mode 100644\n" if old is None else ""
    return diff_headers(None if old is None else path, path, mode_line, labels=bool(hunks)) + text
