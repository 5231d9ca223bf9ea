"""Score candidate events and pick the root cause: severity, specific vs generic exception, root of the
exception chain, first error of a cascade (repeats collapsed), rarity, distance before the failure marker, noise."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from oncall_mcp.servers.airflow_logs import patterns
from oncall_mcp.servers.airflow_logs.events import (
    Event,
    ExcInfo,
    append_message,
    continues_message,
    parse_line,
    promote_exception_line,
    user_frame,
)
from oncall_mcp.servers.airflow_logs.scan import ScanResult

# weights (calibrated on bench/airflow_logs_rootcause.py)
W_SEVERITY = {4: 2.2, 3: 1.6, 2: 0.6, 1: 0.0, 0: -0.5}
W_EXCEPTION = 1.6
W_GENERIC_EXC = -1.6
W_GENERIC_MSG = -1.8
W_CATEGORY = 1.0  # times the rule strength
W_ROOT_OF_CHAIN = 1.2
W_NOISE = -4.0
W_RARITY = -0.5  # times log2(repeats)
W_BEFORE_MARKER = 0.6
W_AFTER_MARKER = -0.8
W_FIRST_ERROR = 0.3
W_TOOL_ERROR = 0.8  # a failing command's own stderr line is more specific than the operator's wrapper
W_STDERR_LEVEL = -1.0  # task.stderr is logged at error level; that alone is not a failure
W_HANDLED = -2.5  # the code retried and recovered (or said it would), and the task failed later anyway
W_FINAL_FAILURE = 0.5  # the specific exception the task failed with (the final failure event)
W_EMBEDDED_WEAK = 0.5  # times W_EXCEPTION: an exception named mid-line in a line below error level
RECOVERY_WINDOW = 50  # lines after an error in which a "succeeded/recovered" line means it was handled
RAN_ON_LINES = 10  # lines an error is older than a later kill by when the task evidently went on after it


@dataclass
class Analysis:
    events: list[Event]  # ranked, one per template, best first
    outcome: str = "unknown"
    marker_line: int | None = None
    category: str = "unknown"
    cause_in_log: bool = True
    exc: ExcInfo | None = None
    outer_exc: ExcInfo | None = None
    traceback_tail: list[str] = field(default_factory=list)
    user_frame: str | None = None
    operator_hint: str | None = None
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    sql_lines: list[Event] = field(default_factory=list)


def outcome(events: list[Event], tail_text: str) -> str:
    """The state the log says the attempt ended in: the newest outcome line, else what the tail says."""
    found = "unknown"
    newest = (False, -1)  # (an explicit state line, line number) of the line `found` comes from
    for ev in events:
        if not any(w in ev.text for w in patterns.OUTCOME_WORDS):
            continue
        for name, rx in patterns.OUTCOME_RULES:
            if rx.search(ev.text):
                here = (bool(patterns.EXPLICIT_STATE.search(ev.text)), ev.line_number)
                if here >= newest:
                    found, newest = name, here
                break
    for name, rx in patterns.OUTCOME_RULES:
        if rx.search(tail_text):
            # the tail is newest; a success marker there wins over an earlier failure only if nothing failed later
            if name == "success" and found in ("failed", "up_for_retry"):
                continue
            if found == "unknown":
                found = name
    return found


def scan_outcome(res: ScanResult) -> str:
    """The outcome from a (cheap, tail-only) scan, without ranking anything."""
    events = [parse_line(h.line_number, h.raw, h.line_bytes) for h in res.hits]
    tail = [parse_line(n, raw, len(raw)) for n, raw in res.tail]
    return outcome(events, "\n".join(e.text for e in tail))


def operator_hint(head_text: str, events: list[Event]) -> str | None:
    for ev in events:
        if ev.logger:
            m = patterns.OPERATOR_FROM_LOGGER.search(ev.logger)
            if m:
                return m.group(1)
    m = patterns.OPERATOR_FROM_LOGGER.search(head_text)
    text = head_text + "\n" + "\n".join(e.text[:500] for e in events[:200])
    found = m.group(1) if m else None
    for rx, name in patterns.OPERATOR_HINTS:
        mm = rx.search(text)
        if mm:
            hint = name or mm.group(1)
            if found and found not in ("SQLExecuteQueryOperator",) and name in ("PythonOperator", "BashOperator"):
                return found
            return hint
    return found


def analyze(result: ScanResult) -> Analysis:
    events = [parse_line(h.line_number, h.raw, h.line_bytes) for h in result.hits]
    for ev, hit in zip(events, result.hits, strict=True):
        if hit.weight != 1:
            ev.weight = hit.weight
    tail_events = [parse_line(n, raw, len(raw)) for n, raw in result.tail]
    tail_text = "\n".join(e.text for e in tail_events)
    head_text = result.head[:65536].decode("utf-8", "replace")
    an = Analysis(events=[])
    an.outcome = outcome(events, tail_text)
    an.operator_hint = operator_hint(head_text, events)

    markers = [e.line_number for e in events if patterns.MARKER.search(e.text)]
    an.marker_line = markers[0] if markers else None
    last_marker = markers[-1] if markers else None

    frames: list[Event] = []
    scored: list[Event] = []
    frame_lines: set[int] = set()
    traceback_lines: list[int] = []
    open_exc: Event | None = None  # a Python exception line whose message may go on over the next lines
    open_end = 0
    for i, ev in enumerate(events):
        if open_exc is not None and continues_message(open_exc, ev, open_end):
            append_message(open_exc, ev)
            open_end = ev.line_number
            continue
        open_exc = None
        if ev.frame:
            frames.append(ev)
            frame_lines.add(ev.line_number)
            continue
        if ev.fmt == "plain" and ev.text[:1] in (" ", "\t") and ev.line_number - 1 in frame_lines:
            continue  # the source line a traceback prints under a frame: context, not an event
        if (ev.line_number - 1 in frame_lines or ev.line_number - 2 in frame_lines) and (
            ev.fmt == "plain" or (ev.fmt == "json" and (ev.embedded or not ev.exc_chain))
        ):
            promote_exception_line(ev)  # the line after the last frame is the exception, whatever its name
            if ev.exc_line and ev.exc_chain:
                open_exc, open_end = ev, ev.line_number
        if patterns.SQL_LINE.search(ev.message[:40]) and not ev.exc_chain:
            an.sql_lines.append(ev)
            if len(an.sql_lines) > 20:
                an.sql_lines.pop(0)
        if ev.traceback_header:
            traceback_lines.append(ev.line_number)
        if ev.traceback_header or ev.chain_separator:
            # the exception printed just before a chain separator is the root of a Python chain
            if ev.chain_separator:
                for prev in reversed(scored[-5:]):
                    if prev.exc_line:
                        prev.reasons.append("root of a Python exception chain")
                        prev.score += W_ROOT_OF_CHAIN
                        break
            continue
        scored.append(ev)
        del i

    # Java: the last "Caused by:" of a group is the root cause
    group: list[Event] = []
    caused: list[Event | None] = [e for e in scored if e.caused_by]
    for cause in [*caused, None]:
        if cause is not None and (not group or cause.line_number - group[-1].line_number < 400):
            group.append(cause)
            continue
        if group:
            group[-1].score += W_ROOT_OF_CHAIN
            group[-1].reasons.append("deepest 'Caused by' (root of the Java exception chain)")
        group = [cause] if cause is not None else []

    # collapse repeats of one template onto its first occurrence
    counts: Counter[str] = Counter()
    firsts: dict[str, Event] = {}
    for ev in scored:
        key = ev.template = patterns.mask(ev.text)
        counts[key] += ev.weight
        if key in firsts:
            firsts[key].last_line = ev.line_number
            firsts[key].count += ev.weight
        else:
            ev.last_line = ev.line_number
            ev.count = ev.weight
            firsts[key] = ev
    unique = list(firsts.values())

    first_error = next((e for e in unique if e.severity >= 3 and not e.stderr), None)
    handled = _handled(scored, unique, last_marker)
    final = final_failure(scored, traceback_lines)
    if final is not None:
        handled.update(_caught_before(final, unique, handled))
    final_template = patterns.mask(final.event.text) if final is not None else None
    for ev in unique:
        _score(ev, last_marker, first_error)
        if final is not None and ev.template == final_template:
            ev.score = round(ev.score + W_FINAL_FAILURE, 3)
            ev.reasons.append("the exception the task failed with")
        if ev.line_number in handled:
            ev.score = round(ev.score + W_HANDLED, 3)
            ev.reasons.append(handled[ev.line_number])
    if final is None:
        _killed_after(scored, unique, handled)
    unique.sort(key=lambda e: (-e.score, e.line_number))
    an.events = unique

    best = unique[0] if unique else None
    _explain(an, best, unique, frames, result)
    return an


def _errorish(ev: Event) -> bool:
    return ev.severity >= 3 or bool(ev.exc_chain) or ev.tool_error


@dataclass
class FinalFailure:
    """The failure event the task ended with: the root exception of its report and the line the report starts."""

    event: Event
    start: int


def _specific(ev: Event) -> bool:
    if not ev.exc_chain or (ev.embedded and ev.severity < 3):
        return False
    root = ev.exc_chain[0]
    return not (patterns.GENERIC_EXC.match(root.type) or patterns.GENERIC_MSG.search(root.value))


def final_failure(scored: list[Event], traceback_lines: list[int]) -> FinalFailure | None:
    """The exception the task failed with, when it is a specific one (a generic wrapper such as AirflowException
    'Bash command failed' only reports the effect, so earlier lines may still hold the cause).

    Airflow 3 puts it on the `Task failed with exception` line (error_detail); Airflow 2 prints the traceback after
    that line, or (without it) the last traceback before `Marking task as FAILED/UP_FOR_RETRY`. Python prints the
    root of a chain first, so the first specific exception of that report is the one."""
    reported = [e for e in scored if patterns.FAILED_WITH.search(e.text)]
    states = [e.line_number for e in scored if patterns.FAILED_STATE.search(e.text)]
    if reported:
        start = reported[-1].line_number
        if reported[-1].exc_chain:
            return FinalFailure(reported[-1], start) if _specific(reported[-1]) else None
    elif states:
        before = [n for n in traceback_lines if n < states[-1]]
        if not before:
            return None
        start = before[-1]
    else:
        return None
    end = min([n for n in states if n > start] or [scored[-1].line_number + 1])
    for ev in scored:
        if start < ev.line_number < end and _specific(ev):
            return FinalFailure(ev, start)
    return None


def _caught_before(final: FinalFailure, unique: list[Event], handled: dict[int, str]) -> dict[int, str]:
    """Exceptions logged before the final failure event and not part of it: the code caught them, logged them
    and went on; the task then failed for another reason, so they are history, not the cause."""
    root = final.event.exc_chain[0]
    template = patterns.mask(final.event.text)
    out: dict[int, str] = {}
    for ev in unique:
        if ev.line_number >= final.start or ev.line_number in handled or not ev.exc_chain or not _errorish(ev):
            continue
        if (ev.template or patterns.mask(ev.text)) == template or any(
            x.type == root.type and x.value[:200] == root.value[:200] for x in ev.exc_chain
        ):
            continue  # the same exception, logged before it was raised
        out[ev.line_number] = f"handled: caught and logged; the task failed later with {root.type}"
    return out


def _killed_after(scored: list[Event], unique: list[Event], handled: dict[int, str]) -> None:
    """The task was killed (signal, OOM kill, zombie, state set from outside) and no exception followed: the kill
    is the final failure event. An earlier error the task went past (the log says it continued, or the task ran on
    for a while) is history: it ranks below the kill. Errors that explain a kill (memory) are kept."""
    kills = [e for e in scored if not e.exc_chain and patterns.TERMINAL_KILL.search(e.text)]
    if not kills:
        return
    kill = next(e for e in unique if e.template == kills[-1].template)
    kill_line = kills[-1].line_number
    went_past: list[Event] = []
    for ev in unique:
        last = max(ev.line_number, ev.last_line)
        if ev is kill or last >= kill_line or not _errorish(ev) or ev.category in ("killed", "out_of_memory"):
            continue
        if ev.line_number in handled:
            went_past.append(ev)
            continue
        body = " ".join([ev.message or ev.text, *(x.value[:300] for x in ev.exc_chain)])
        if patterns.WENT_ON.search(body):
            why = "handled: the log says the task went on after it; it was killed later"
        elif kill_line - last >= RAN_ON_LINES:
            why = f"handled: the task ran on for {kill_line - last} lines after it and was then killed"
        else:
            continue
        ev.score = round(ev.score + W_HANDLED, 3)
        ev.reasons.append(why)
        handled[ev.line_number] = why
        went_past.append(ev)
    if not went_past:
        return
    kill.score = round(kill.score + W_FINAL_FAILURE, 3)
    kill.reasons.append("the final failure event: the task was killed after the errors above")
    for ev in went_past:
        ev.score = min(ev.score, round(kill.score - 0.1, 3))


def _handled(scored: list[Event], unique: list[Event], marker: int | None) -> dict[int, str]:
    """Errors the task got past: the line says it is retrying, or a success/recovery line follows within a few
    lines, and the task still failed later (a failure marker or a later error). Such an error is history, not the
    cause; the error closest before the final failure is."""
    recoveries = [
        e.line_number
        for e in scored
        if any(w in e.text for w in patterns.RECOVERED_WORDS)
        and not _errorish(e)
        and patterns.RECOVERED.search(e.message or e.text)
    ]
    errors = [e.line_number for e in scored if _errorish(e) and not patterns.MARKER.search(e.text)]
    final = max([marker or 0, *errors[-1:]])
    out: dict[int, str] = {}
    for ev in unique:
        if not _errorish(ev):
            continue
        last = max(ev.line_number, ev.last_line)
        if last >= final:
            continue
        body = ev.message or ev.text
        exc_text = " ".join(x.value[:300] for x in ev.exc_chain)
        later_errors = any(last < n for n in errors) or (marker is not None and marker > last)
        if not later_errors:
            continue
        if patterns.RETRYING.search(body) or patterns.RETRYING.search(exc_text):
            out[ev.line_number] = "handled: the code retried after it (the task failed later)"
            continue
        if patterns.WENT_ON.search(body):
            out[ev.line_number] = "handled: the log says the code went on after it (the task failed later)"
            continue
        if any(last < r <= last + RECOVERY_WINDOW and r < final for r in recoveries):
            out[ev.line_number] = "handled: a success/recovery line follows it (the task failed later)"
    return out


def _score(ev: Event, marker: int | None, first_error: Event | None) -> None:
    text = ev.text
    body = ev.message or text
    reasons = ev.reasons
    sev = ev.severity
    if ev.stderr and not ev.tool_error:
        ev.score += W_STDERR_LEVEL
        sev = 2 if sev >= 3 else sev
    if ev.fmt == "plain" and ev.exc_line:
        sev = max(sev, 3)
    if ev.tool_error:
        sev = max(sev, 3)
        ev.score += W_TOOL_ERROR
        reasons.append("command-line tool error")
    weak_exc = ev.embedded and sev < 3  # e.g. a WARN line that mentions an exception in passing
    ev.score += W_SEVERITY.get(sev, 0.0)
    if sev >= 3 and ev.severity >= 3:
        reasons.append(f"level {ev.level or 'error'}")
    exc_text = " ".join(f"{x.type}: {x.value}" for x in ev.exc_chain)
    cat, strength, matched = patterns.categorize(f"{exc_text}\n{body}")
    if cat == "unknown" and ev.exc_chain and not weak_exc:
        cat, strength, matched = ("user_code", 1.0, ev.exc_chain[0].type)
    elif cat == "unknown" and ev.tool_error:
        cat, strength, matched = ("user_code", 1.0, body[:40])
    ev.category, ev.category_strength = cat, strength
    if ev.exc_chain:
        root = ev.exc_chain[0]
        if patterns.GENERIC_EXC.match(root.type) or patterns.GENERIC_MSG.search(root.value):
            ev.score += W_EXCEPTION + W_GENERIC_EXC
            reasons.append(f"generic wrapper exception {root.type}")
        elif weak_exc:
            ev.score += W_EXCEPTION * W_EMBEDDED_WEAK
            reasons.append(f"mentions {root.type} below error level")
        else:
            ev.score += W_EXCEPTION
            reasons.append(f"exception {root.type}")
    if strength:
        generic = (
            bool(patterns.GENERIC_MSG.search(body)) and not ev.exc_chain and cat not in ("killed", "out_of_memory")
        )
        ev.score += W_CATEGORY * strength * (0.4 if generic else 1.0)
        reasons.append(f"{cat} signal '{matched[:60]}'")
    if patterns.GENERIC_MSG.search(body) and not (
        ev.exc_chain and not patterns.GENERIC_MSG.search(ev.exc_chain[0].value)
    ):
        # an exit code 137 wrapper still says "killed/OOM", so it keeps half its weight as a fallback
        ev.score += W_GENERIC_MSG * (0.5 if cat in ("killed", "out_of_memory") else 1.0)
        reasons.append("failure marker (effect, not cause)")
    if patterns.NOISE.search(body) and not ev.exc_chain:
        ev.score += W_NOISE
        reasons.append("known noise")
    if ev.count > 1:
        ev.score += W_RARITY * math.log2(ev.count)
        reasons.append(f"repeated {ev.count}x (first occurrence shown)")
    if marker is not None:
        if ev.line_number <= marker:
            dist = marker - ev.line_number
            ev.score += W_BEFORE_MARKER * max(0.0, 1.0 - dist / 5000)
        elif not ev.exc_chain:
            ev.score += W_AFTER_MARKER
            reasons.append("after the failure marker (cleanup)")
    if first_error is ev:
        ev.score += W_FIRST_ERROR
        reasons.append("first error in the log")
    ev.score = round(ev.score, 3)


def _explain(an: Analysis, best: Event | None, unique: list[Event], frames: list[Event], result: ScanResult) -> None:
    weak = best is not None and not (best.exc_chain or best.category_strength or best.tool_error or best.severity >= 3)
    if best is None or best.score <= 0.5 or weak:
        # nothing failed in the log: a bare warning is not a cause
        an.category = "unknown"
        an.cause_in_log = False
    else:
        an.category = best.category
        if best.exc_chain:
            an.exc = best.exc_chain[0]
            an.outer_exc = best.exc_chain[-1] if len(best.exc_chain) > 1 else None
        # a kill/SIGTERM with no stronger cause: the reason is outside the task log, unless the log also says
        # memory (exit code 137, OOMKilled): then it was an out-of-memory kill
        if best.category == "killed":
            if any(e.category == "out_of_memory" and e.score > 0.5 for e in unique[1:5]):
                an.category = "out_of_memory"
            else:
                an.cause_in_log = False
        if best.category == "unknown" and best.exc_chain:
            an.category = "user_code"
    # traceback tail and user frame
    if an.exc and an.exc.frames:
        fr = an.exc.frames[-4:]
        an.traceback_tail = [f'File "{f}", line {n}, in {name}' for f, n, name in fr]
        an.traceback_tail.append(f"{an.exc.type}: {an.exc.value[:300]}")
        uf = user_frame(an.exc.frames)
        if uf is None and best and len(best.exc_chain) > 1:
            for x in best.exc_chain:
                uf = user_frame(x.frames)
                if uf:
                    break
        an.user_frame = f"{uf[0]}:{uf[1]} in {uf[2]}" if uf else None
    elif best is not None:
        before = [f for f in frames if best.line_number - 200 < f.line_number < best.line_number]
        # only the frames of the traceback right before this exception line
        chain: list[Event] = []
        for f in reversed(before):
            if chain and chain[-1].line_number - f.line_number > 3:
                break
            chain.append(f)
        chain.reverse()
        if chain:
            an.traceback_tail = [f.text.strip() for f in chain[-4:]] + [best.text.strip()[:400]]
            fr = [f.frame for f in chain if f.frame is not None]
            uf = user_frame(fr)
            an.user_frame = f"{uf[0]}:{uf[1]} in {uf[2]}" if uf else None
    # statements and pokes the candidate scan did not keep (a sensor's `Poking: SELECT …`) are in the log's tail
    seen = {e.line_number for e in an.sql_lines}
    tail_events = [parse_line(n, raw, len(raw)) for n, raw in result.tail]
    tail_sql = [e for e in tail_events if e.line_number not in seen and patterns.SQL_LINE.search(e.message[:40])]
    an.identifiers = identifiers(unique, [*an.sql_lines, *tail_sql], best)


def identifiers(events: list[Event], sql_lines: list[Event], best: Event | None) -> dict[str, list[str]]:
    """Names the log gives: query/app ids, SQL files, datasets, tables (from the error and from the SQL the log
    prints) and the error's columns. `column_tables` (internal, not in the answer) holds, for each column, the table
    its qualifier is bound to by a printed `FROM t alias`, or "" when unknown."""

    def add(key: str, value: str) -> None:
        lst = out.setdefault(key, [])
        if value not in lst and len(lst) < 10:
            lst.append(value)

    out: dict[str, list[str]] = {}
    aliases: dict[str, str] = {}
    ordered = ([best] if best else []) + events[:30] + sql_lines[-5:]
    for ev in ordered:
        text = ev.text + " " + " ".join(f"{x.type}: {x.value}" for x in ev.exc_chain)
        for m in patterns.TRINO_QUERY_ID.finditer(text):
            add("trino_query_ids", m.group(0))
        for m in patterns.SPARK_APP_ID.finditer(text):
            add("spark_application_ids", m.group(0))
        for m in patterns.SQL_FILE.finditer(text):
            add("sql_files", m.group(1))
        for m in patterns.DATASET_URI.finditer(text):
            add("datasets", patterns.dataset_of(m.group(0)))
        for m in patterns.TABLE_IN_ERROR.finditer(text):
            if m.group(1).lower() not in patterns.SQL_KEYWORDS:
                add("tables", m.group(1))
        sql = _sql_text(ev, text, ev in sql_lines)
        for m in patterns.TABLE_IN_SQL.finditer(sql):
            name = _unquote(m.group(1))
            if name.lower() not in patterns.SQL_KEYWORDS:
                add("tables", name)
        for m in patterns.TABLE_ALIAS.finditer(sql):
            alias = m.group(2)
            if alias.lower() not in patterns.ALIAS_STOPWORDS and alias.lower() not in patterns.SQL_KEYWORDS:
                aliases.setdefault(alias.lower(), _unquote(m.group(1)))
    if best is not None:
        text = best.text + " " + " ".join(x.value for x in best.exc_chain)
        for m in patterns.COLUMN_IN_ERROR.finditer(text):
            col = _unquote(m.group(1).strip("`'\"."))
            if col and not col.lower().startswith(("or", "variable")):
                add("columns", col)
    bound = [_table_of(col, aliases, out.get("tables", [])) for col in out.get("columns", [])]
    if bound:
        out["column_tables"] = bound
        first = next((t for t in bound if t), None)
        if first:  # the table the failing column belongs to leads the list
            out["tables"] = [first, *(t for t in out.get("tables", []) if t != first)][:10]
    return out


def _unquote(name: str) -> str:
    return name.replace("`", "").replace('"', "")


def _sql_text(ev: Event, text: str, is_sql_line: bool) -> str:
    """The part of an event that is SQL: a statement line's message, or a statement printed inside the text."""
    if is_sql_line or patterns.SQL_LINE.search(ev.message[:40]):
        return ev.message
    m = patterns.SQL_STATEMENT.search(text)
    return text[m.start() :] if m else ""


def _table_of(column: str, aliases: dict[str, str], tables: list[str]) -> str:
    """The table a column belongs to: its qualifier's alias binding, a table it names, or the only table; else ""."""
    qualifier, dot, _ = column.rpartition(".")
    if not dot:
        return tables[0] if len(tables) == 1 else ""
    if qualifier.lower() in aliases:
        return aliases[qualifier.lower()]
    named = [t for t in tables if t.lower() == qualifier.lower() or t.lower().endswith("." + qualifier.lower())]
    return named[0] if named else ""


_WS = re.compile(r"\s+")
