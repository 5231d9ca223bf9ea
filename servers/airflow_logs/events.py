"""Parse one candidate line into an event: format (Airflow 3 JSON, Airflow 2 text, console, log4j, plain),
level, logger, message, exception type/value/chain and frames."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
AF2 = re.compile(r"^\[(?P<ts>[^\]]{8,40})\]\s+\{(?P<src>[^}]{1,200})\}\s+(?P<level>[A-Z]+)\s+-\s?(?P<msg>.*)$")
CONSOLE = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2}T\S+)\s+\[(?P<level>[a-z]+)\s*\]\s+(?P<msg>.*)$")
LOG4J = re.compile(
    r"^(?P<ts>\d{2,4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)\s+(?:\[[^\]]*\]\s+)?"
    r"(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\b:?\s*(?P<msg>.*)$"
)
LEVEL_WORD = re.compile(r"\b(FATAL|CRITICAL|ERROR|WARN|WARNING|Error|Warning)\b")
# Python's warnings module prints `DeprecationWarning: …` (or `file.py:10: UserWarning: …`): a warning, not an
# exception, unless it ends a traceback (see promote_exception_line)
EXC_LINE = re.compile(
    r"^\s*(?:Caused by:\s*|Exception in thread \"[^\"]*\"\s*|\(\S+\)\s*)?"
    r"(?P<type>(?:[A-Za-z_][\w]*\.)*(?:_*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Timeout|Failure|Fault"
    r"|Denied|Killed|NotFound|Violation)|KeyError|StopIteration))(?:(?::\s*|\s+|\()(?P<msg>.*))?$"
)
FRAME_PY = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<name>\S+)')
# "... TrinoUserError(type=USER_ERROR, ...)" or "error: X" embedded mid-line
EMBEDDED_EXC = re.compile(r"\b((?:[a-z_]\w{0,60}\.){0,8}_*[A-Z]\w{0,80}(?:Error|Exception))(?:: |\()(.{0,1500})")
# what command-line tools print on stderr when they fail: `curl: (6) Could not resolve host: x`,
# `psql: error: connection to server ... failed`, `cp: cannot stat 'x': No such file or directory`,
# `bash: line 1: foo: command not found`, `gsutil: CommandException: No URLs matched`, `fatal: not a git repository`
TOOL_ERROR = re.compile(
    r"^(?:[\w./+-]{1,60}(?:\[\d+\])?: )(?:\(\d{1,4}\) \S|(?:error|ERROR|Error|fatal|FATAL|Fatal)\b|line \d+: +\S"
    r"|(?:cannot|can't|could not|failed to|unable to|Unable to|Could not|Cannot|Failed to)\b|\w+(?:Exception|Error): "
    # perror's shape, `gzip: stdout: No space left on device`: the system's own error string ends the line
    r"|(?:[^:]{1,200}: )?(?:No space left on device|Disk quota exceeded|Too many open files|Cannot allocate memory"
    r"|Read-only file system|Input/output error)$)"
    r"|^(?:error|fatal|ERROR|FATAL): \S"
)
TRACEBACK = "Traceback (most recent call last)"
LIB_PATH = re.compile(r"site-packages|dist-packages|/lib/python\d|/usr/lib/|<frozen|airflow/sdk/|/airflow/models/")
_JSON_FIELD = {
    k: re.compile(rf'"{k}"\s*:\s*"((?:[^"\\]|\\.){{0,2000}})"')
    for k in ("level", "event", "logger", "exc_type", "exc_value")
}
LEVELS = {
    "critical": 4,
    "fatal": 4,
    "error": 3,
    "exception": 3,
    "err": 3,
    "warning": 2,
    "warn": 2,
    "info": 1,
    "debug": 0,
    "trace": 0,
    "notice": 1,
}


@dataclass
class ExcInfo:
    type: str
    value: str
    frames: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass
class Event:
    line_number: int
    text: str  # readable, one line, ANSI and CR stripped; JSON events rendered
    fmt: str
    level: str | None = None
    logger: str | None = None
    message: str = ""
    exc_chain: list[ExcInfo] = field(default_factory=list)  # root cause first
    exc_line: bool = False  # a bare `Type: message` exception line (text tracebacks, Caused by)
    caused_by: bool = False
    frame: tuple[str, int, str] | None = None
    traceback_header: bool = False
    chain_separator: bool = False
    stderr: bool = False
    embedded: bool = False  # the exception is named mid-line, not the line itself
    tool_error: bool = False  # a command-line tool's error shape (see TOOL_ERROR)
    clipped: int = 0
    count: int = 1
    weight: int = 1  # occurrences this line stands for (the scan counted its template's repeats, see scan._Templates)
    template: str = ""  # patterns.mask of the text, once computed
    last_line: int = 0
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    category: str = "unknown"
    category_strength: float = 0.0

    @property
    def exc_type(self) -> str | None:
        return self.exc_chain[0].type if self.exc_chain else None

    @property
    def exc_value(self) -> str | None:
        return self.exc_chain[0].value if self.exc_chain else None

    @property
    def severity(self) -> int:
        return LEVELS.get((self.level or "").lower(), 1)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _short(value: Any, limit: int = 2000) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _exc_from_json(items: Any) -> list[ExcInfo]:
    """structlog's ExceptionDictTransformer list: outermost first, causes after; we return root cause first."""
    out: list[ExcInfo] = []
    if not isinstance(items, list):
        return out
    for item in items:
        if not isinstance(item, dict):
            continue
        frames = []
        for fr in item.get("frames") or []:
            if isinstance(fr, dict):
                frames.append((str(fr.get("filename", "?")), int(fr.get("lineno") or 0), str(fr.get("name", "?"))))
        out.append(ExcInfo(str(item.get("exc_type", "Exception")), _short(item.get("exc_value", ""), 1500), frames))
        for sub in item.get("exceptions") or []:  # exception groups
            out += _exc_from_json([sub])
    out.reverse()
    return out


def parse_line(line_number: int, raw: bytes, full_length: int) -> Event:
    text = _decode(raw).rstrip("\r\n")
    if "\x1b" in text:
        text = ANSI.sub("", text)
    text = text.replace("\r", "")
    clipped = max(0, full_length - len(raw))
    stripped = text.lstrip()
    if (stripped.startswith("{") and '"event"' in stripped[:4000]) or stripped.startswith('{"timestamp"'):
        ev = _parse_json(line_number, stripped, clipped)
        if ev is not None:
            return ev
    if len(text) > 8000:  # text formats: the cause is in the first few KB of a line; keeps regexes cheap
        clipped += len(text) - 8000
        text = text[:8000]
    ev = Event(line_number=line_number, text=text, fmt="plain", clipped=clipped)
    msg = text
    for fmt, rx in (("airflow2", AF2), ("console", CONSOLE), ("log4j", LOG4J)):
        m = rx.match(text)
        if m:
            ev.fmt = fmt
            ev.level = m.group("level").lower()
            msg = m.group("msg")
            if fmt == "console":
                lm = re.search(r"\s\[([\w.]+)\](?:\s|$)", msg)
                if lm:
                    ev.logger = lm.group(1)
            elif fmt == "airflow2":
                ev.logger = m.group("src")
            break
    else:
        lw = LEVEL_WORD.search(text[:200])
        if lw:
            ev.level = lw.group(1).lower()
    ev.message = msg.strip()
    _classify_text(ev, msg)
    return ev


def _classify_text(ev: Event, msg: str) -> None:
    msg = msg[:4000]
    body = msg.strip()
    fm = FRAME_PY.match(msg)
    if fm:
        ev.frame = (fm.group("file"), int(fm.group("line")), fm.group("name"))
        return
    if TRACEBACK in body:
        ev.traceback_header = True
        return
    if body.startswith(("The above exception was the direct cause", "During handling of the above exception")):
        ev.chain_separator = True
        return
    m = EXC_LINE.match(body)
    if m and len(m.group("type")) < 200:
        ev.exc_line = True
        ev.caused_by = body.startswith("Caused by")
        ev.exc_chain = [ExcInfo(m.group("type"), (m.group("msg") or "").strip()[:1500])]
        return
    emb = EMBEDDED_EXC.search(body)
    if emb:
        ev.exc_chain = [ExcInfo(emb.group(1), emb.group(2).strip())]
        ev.embedded = True
    if TOOL_ERROR.match(body):
        ev.tool_error = True


def _parse_json(line_number: int, text: str, clipped: int) -> Event | None:
    data: dict[str, Any] | None = None
    if not clipped:
        try:
            obj = json.loads(text)
            data = obj if isinstance(obj, dict) else None
        except ValueError:
            data = None
    if data is None:
        # a clipped (huge) or broken JSON line: pick the fields we need by pattern
        fields = {k: rx.search(text) for k, rx in _JSON_FIELD.items()}
        if not fields["event"] and not fields["level"]:
            return None
        data = {k: json.loads(f'"{m.group(1)}"') if m else None for k, m in fields.items()}
        if data.get("exc_type"):
            data["error_detail"] = [{"exc_type": data["exc_type"], "exc_value": data.get("exc_value") or ""}]
    event = data.get("event")
    event_text = _short(event if event is not None else "", 4000)
    ev = Event(line_number=line_number, text="", fmt="json", clipped=clipped)
    ev.level = str(data.get("level") or "").lower() or None
    ev.logger = str(data.get("logger") or "") or None
    if data.get("chan") == "stderr" or ev.logger == "task.stderr":
        ev.stderr = True
    ev.message = event_text
    chain = _exc_from_json(data.get("error_detail") or data.get("exception"))
    if chain:
        ev.exc_chain = chain
    else:
        _classify_text(ev, event_text)
    parts = [ev.level or "?"]
    if ev.logger:
        parts.append(ev.logger)
    line = f"[{' '.join(parts)}] {event_text}"
    if chain:
        root = chain[0]
        line += f" | {root.type}: {root.value}"
        if len(chain) > 1:
            line += f" (raised as {chain[-1].type}: {chain[-1].value[:200]})"
    ev.text = line
    return ev


# `kafka.errors.NoBrokersAvailable: ...`: a module-qualified class name, whatever its suffix
DOTTED_EXC = re.compile(r"^(?P<type>(?:[a-z_]\w*\.)+_*[A-Za-z]\w{0,80})(?::\s*(?P<msg>.*))?$")
# `socket.gaierror: [Errno -2] …`, `DeprecationWarning: …` (raised as an error): `Name: message`, any class name
NAMED_EXC = re.compile(r"^(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w{0,80}):\s+(?P<msg>.*)$")


def promote_exception_line(ev: Event) -> None:
    """The line that ends a traceback (right after its frames) is the exception, whatever its class is named."""
    if ev.exc_line:
        return
    text = (ev.message if ev.fmt == "json" else ev.text).strip()
    m = DOTTED_EXC.match(text) or NAMED_EXC.match(text)
    if m and m.group("type").lower() not in LEVELS:
        ev.exc_line = True
        ev.embedded = False
        ev.exc_chain = [ExcInfo(m.group("type"), (m.group("msg") or "").strip()[:1500])]


# what ends a Python exception message that runs over several lines: a log-prefixed line, a blank line, a new
# traceback or chain separator (those are events of their own), a Java frame, or another `Name: …` report (a
# warning printed after the exception, `pandas.errors.PerformanceWarning: …`, is not part of its message)
_NOT_CONTINUATION = re.compile(
    r"^\s*$|^\s*at \S|^\s*\.\.\. \d+ more|^\s+File \"|^[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b:"
)
MAX_CONTINUATION = 10  # lines of one exception message


def continues_message(exc: Event, ev: Event, last_line: int) -> bool:
    """`ev` is the next line of `exc`'s multi-line message (`SQL compilation error:` then `Object 'X' does not
    exist`): a plain line right after the exception line (or after its previous continuation, `last_line`) that
    is not itself a frame, traceback, chain separator, exception line or log-prefixed line."""
    return (
        ev.fmt == "plain"
        and ev.line_number == last_line + 1
        and last_line - exc.line_number < MAX_CONTINUATION
        and not (ev.frame or ev.traceback_header or ev.chain_separator or ev.exc_line or ev.tool_error)
        and not _NOT_CONTINUATION.match(ev.text)
    )


def append_message(exc: Event, ev: Event) -> None:
    """Add a continuation line to the exception's message (as Python's str(exc) has it, newline-separated) and to
    the event's one-line text."""
    more = ev.text.strip()
    root = exc.exc_chain[0]
    root.value = f"{root.value}\n{more}"[:1500]
    exc.message = f"{exc.message}\n{more}"
    exc.text = f"{exc.text} {more}"
    exc.clipped += ev.clipped


def user_frame(frames: list[tuple[str, int, str]]) -> tuple[str, int, str] | None:
    """The innermost frame outside libraries: where the task's own code was when it failed."""
    for fr in reversed(frames):
        if not LIB_PATH.search(fr[0]):
            return fr
    return None
