"""The error-concept layer of search: what a log line *is* (out of memory, expired credentials, missing table...)
and which plain words of a query ask for it.

Log side: each concept has a pattern over the line text; lines are tagged once, at index time. Query side: each
concept has cue words (stemmed) with a weight; a query asks for the concepts whose cues it contains. Hand-written
because no library maps operator phrasing to error kinds; the optional embeddings (embed.py) cover what cues miss.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from oncall_mcp.servers.airflow_logs.search import stem, tokens


@dataclass(frozen=True)
class Concept:
    name: str
    log: re.Pattern[str]
    cues: dict[str, float]  # stemmed query word (or "two words") -> weight
    unless: re.Pattern[str] | None = None  # a line matching this does not express the concept after all


def _c(name: str, log: str, cues: str, unless: str | None = None) -> Concept:
    weights: dict[str, float] = {}
    for part in cues.split(","):
        part = part.strip()
        if not part:
            continue
        word, _, w = part.partition(":")
        weights[" ".join(stem(t) for t in word.split())] = float(w) if w else 1.0
    return Concept(name, re.compile(log, re.I), weights, re.compile(unless, re.I) if unless else None)


CONCEPTS: list[Concept] = [
    _c(
        "out_of_memory",
        r"OutOfMemory|OOM ?Kill|out of memory|exceed\w* (?:the )?memory|memory limit|MemoryError|heap space"
        r"|GC overhead|Cannot allocate memory|(?:exit|return) (?:code|status) 137|\b137\b|EXCEEDED_\w*MEMORY"
        r"|^Killed$|\bKilled\b process|std::bad_alloc",
        "memory, ram, heap, oom, blew:0.5, blow:0.5, ran out:0.6, exhaust:0.6, gb:0.4, spill:0.4, allocat:0.7, big:0.3,"
        "gc, garbage collector, overhead:0.5",
    ),
    _c(
        "killed",
        r"SIGKILL|SIGTERM|\bKilled\b|terminat|evict|zombie|heartbeat|externally|signal 9|-9\b|preempt"
        r"|(?:exit|return) (?:code|status) 1[34][0-9]\b",
        "kill, terminat, evict, die, died, dead, murder, sigkill, sigterm, preempt, shut:0.6, abrupt:0.6, vanish:0.4,"
        "zombie, heartbeat, stop:0.5, reap:0.8",
    ),
    _c(
        "credentials_expired",
        r"Expired ?Token|token (?:has |is )?expired|expired token|\b401\b|Unauthori[sz]ed|invalid (?:credential|token)"
        r"|authentication fail|password authentication|InvalidAccessKeyId|SignatureDoesNotMatch"
        r"|session (?:has )?expired"
        r"|login fail|not authenticated|InvalidClientTokenId|credentials? (?:have |has )?expired|ExpiredSignature"
        r"|(?:token|credential|grant|session|key)s?\b.{0,40}\b(?:been )?(?:expired|revoked)|invalid_grant"
        r"|security token .{0,60}invalid|RefreshError",
        "login, logon, token, expir, credenti, password, passwd, auth, authent, session, sign, stale:0.6, "
        "valid:0.5, reject:0.5, key:0.4, secret:0.6, renew:0.7, refresh:0.4, sso, jwt, oauth, revok, "
        "service account, cred:0.6",
    ),
    _c(
        "credentials_missing",
        r"NoCredentialsError|Unable to locate credentials|could not find default credentials|DefaultCredentialsError"
        r"|CredentialRetrievalError|credentials? (?:not found|missing|not provided)|no credentials",
        "cred, credenti, locat:0.6, missing:0.6, found:0.5, configur:0.6, provid:0.4, env:0.4, set up:0.5",
    ),
    _c(
        "permission_denied",
        r"Access ?Denied|\b403\b|Forbidden|PermissionError|permission denied|not authori[sz]ed|insufficient privilege"
        r"|AccessControlException|PERMISSION_DENIED|not allowed|UnauthorizedOperation|AuthorizationException",
        "permiss, allow, forbid, access, deni, right, privileg, authori, block:0.5, refus:0.5, reject:0.5, polic, "
        "role:0.6, grant, iam, acl",
    ),
    _c(
        "table_missing",
        r"TABLE_NOT_FOUND|TABLE_OR_VIEW_NOT_FOUND|no such table|Table\b.{0,120}\b(?:does not exist|not found)"
        r"|relation .{0,120} does not exist|NoSuchTable|UndefinedTable|Table or view not found|Unknown table"
        r"|NoSuchObjectException|\bObject '[^']{1,200}' does not exist|Not found: (?:Table|Dataset)",
        "table, renam, drop, relat, view, exist:0.5, vanish:0.5, gone:0.5, missing:0.4, delet:0.4, moved:0.5",
        unless=r"\bpartition\b.{0,80}\bnot (?:found|available)|\bpok(?:e|es|ing)\b",  # a late partition, not a table
    ),
    _c(
        "column_missing",
        r"UNRESOLVED_COLUMN|cannot be resolved|no such column|column\b.{0,120}\b(?:does not exist|not found)"
        r"|Unknown column|COLUMN_NOT_FOUND|UndefinedColumn|cannot resolve|schema mismatch|type mismatch"
        r"|Cannot cast|incompatible (?:type|schema)|INCOMPATIBLE_DATA|cannot be converted|Expected: \S+, Found:"
        r"|SchemaColumnConvertNotSupported|ParquetDecodingException|Unrecognized name|invalid identifier"
        r"|not in index",
        "column, field, renam, schema, mismatch, not match, cast, attribut:0.5, drop:0.5, type:0.4, resolv:0.6, "
        "changed:0.5, identifi:0.6",
    ),
    _c(
        "timeout",
        r"timed? ?out|Timeout|deadline exceeded|took too long|execution_timeout|EXCEEDED_TIME_LIMIT|DeadlineExceeded"
        r"|exceeded (?:the )?(?:maximum )?(?:run|execution) time",
        "slow, long, took, hung, hang, timeout, forever, stuck, deadline, time:0.6, wait:0.4, never finish, minut:0.4",
    ),
    _c(
        "upstream_not_ready",
        r"AirflowSensorTimeout|poking|Sensor has timed out|not ready|partition\b.{0,80}\bnot (?:found|available)"
        r"|waiting for|upstream_failed|no files? (?:found|matched)|No URLs matched|Key .{0,200} does not exist",
        "upstream, wait, sensor, arriv, late, partit, ready, input, land, deliver, yet:0.5, feed",
    ),
    _c(
        "connection",
        r"Connection ?(?:refused|reset|aborted|closed|Error)|could not connect|can't connect|unable to connect"
        r"|no route to host|Name or service not known|name resolution|getaddrinfo|unreachable|Broken pipe"
        r"|ECONNREFUSED|ECONNRESET|Could not resolve host|server closed the connection|network|Lost connection"
        r"|SSL SYSCALL error|EOF detected|NoBrokersAvailable|ServerSelectionTimeout|connection (?:was )?lost",
        "connect, reach, network, host, unreach, dns, refus, socket, port, endpoint, offline, down:0.5, talk:0.6,"
        "resolv:0.3, link:0.4, lost connect, drop connect",
    ),
    _c(
        "disk_full",
        r"No space left on device|Disk quota exceeded|ENOSPC|disk (?:is )?full|not enough (?:disk )?space",
        "disk, space, full, storag, quota:0.6, room, volum",
    ),
    _c(
        "dependency_missing",
        r"ModuleNotFoundError|No module named|ImportError|cannot import name|ClassNotFoundException"
        r"|NoClassDefFoundError|command not found|pkg_resources|DistributionNotFound|library not loaded"
        r"|cannot open shared object",
        "modul, packag, import, librar, instal, depend, requir, pip, jar, class:0.5, binari, command:0.5",
    ),
    _c(
        "syntax",
        r"syntax error|SyntaxError|mismatched input|ParseException|PARSE_SYNTAX_ERROR|extraneous input"
        r"|unexpected token|Invalid SQL|SYNTAX_ERROR",
        "syntax, typo, pars, parse, malform, grammar, sql:0.5, statement:0.5, comma, keyword",
    ),
    _c(
        "duplicate_key",
        r"duplicate key|UniqueViolation|IntegrityError|unique constraint|violates unique|already exists"
        r"|Duplicate entry|DUPLICATE",
        "duplic, twice, uniqu, already, constraint, exist:0.4, same row, primary",
    ),
    _c(
        "data_quality",
        r"check failed|null value|NOT NULL constraint|violates not-null|AssertionError|data quality"
        r"|row count|expectation|validation fail|ValidationError|invalid row|unexpected (?:null|empty)"
        r"|DataQuality|test failed",
        "qualiti, quality, null, check, assert, expect, valid:0.6, validat, bad data, garbag:0.5, empty, row count, "
        "wrong, "
        "corrupt:0.5",
    ),
    _c(
        "throttled",
        r"SlowDown|Throttl|TooManyRequests|\b429\b|Rate exceeded|RequestLimitExceeded|rate limit|too many requests"
        r"|ProvisionedThroughputExceeded|RESOURCE_EXHAUSTED",
        "throttl, rate, too many, request:0.5, limit:0.5, slowdown, slow down, backoff, quota:0.6, burst",
    ),
    _c(
        "file_missing",
        r"FileNotFoundError|No such file or directory|NoSuchKey|Path does not exist|NoSuchBucket|\b404\b"
        r"|PATH_NOT_FOUND|does not exist: (?:s3|gs|hdfs|file)",
        "file, path, key:0.5, object, missing:0.5, found:0.5, exist:0.5, director, folder, bucket",
    ),
    _c(
        "lock",
        r"deadlock|Lock wait timeout|could not obtain lock|LockNotAvailable|database is locked|lock timeout"
        r"|could not serialize|concurrent (?:update|modification)|CommitFailedException",
        "lock, deadlock, contention, concurr, conflict, serializ, block:0.4, same time, race, transaction:0.6, fight",
    ),
    _c(
        "executor_lost",
        r"ExecutorLostFailure|Lost executor|FetchFailed|Job aborted due to stage failure|Stage \d+ .{0,40}failed"
        r"|Container exited with a non-zero|container (?:marked as )?failed|shuffle|worker lost|Lost task"
        r"|worker (?:exited|crashed)|exited unexpectedly|\bcrashed\b",
        "executor, spark, stage, shuffl, job abort, container, lost, worker, node:0.5, cluster:0.5, crash:0.6",
    ),
    _c(
        "pod_failed",
        r"ImagePullBackOff|ErrImagePull|CrashLoopBackOff|Pod\b.{0,80}\bfailed|Pod launching failed|FailedScheduling"
        r"|Insufficient (?:cpu|memory)|Unschedulable|image .{0,80}not found|pod .{0,80}(?:pending|evicted)",
        "pod, image, pull, kubernet, k8s, schedul, node, cluster, registri, crashloop, contain:0.5",
    ),
    _c(
        "user_code_bug",
        r"ZeroDivisionError|KeyError|TypeError|AttributeError|IndexError|NameError|NoneType|UnboundLocalError"
        r"|RecursionError|NullPointerException|division by zero|ValueError|list index out of range|UndefinedError"
        r"|is undefined|TemplateSyntaxError",
        "bug, code, divid, zero, attribut, none, null:0.4, undefin, typo:0.4, index, recurs, python, crash:0.4, "
        "templat:0.6, variabl:0.6, jinja",
    ),
    _c(
        "encoding",
        r"UnicodeDecodeError|UnicodeEncodeError|codec can't|invalid byte sequence|malformed input|charset"
        r"|invalid (?:utf|continuation byte)|MalformedInputException",
        "encod, decod, unicod, utf, charact, garbl, charset, byte, accent, emoji",
    ),
    _c(
        "certificate",
        r"SSLError|certificate verify failed|CERTIFICATE_VERIFY_FAILED|certificate (?:has )?expired"
        r"|handshake fail|SSLHandshake|self[- ]signed|PKIX path|unable to find valid certification",
        "certif, cert, ssl, tls, https, handshak, trust, ca",
    ),
    _c(
        "service_error",
        r"\b50[0234]\b|Internal Server Error|Bad Gateway|Service Unavailable|ServiceUnavailable|Gateway Timeout"
        r"|InternalError|InternalFailure|server error|upstream connect error",
        "servic:0.6, server, api:0.5, unavail, outag, down, 5xx, 500, 502, 503, provid, vendor, gateway",
    ),
    _c(
        "invalid_value",
        r"invalid literal|invalid input syntax|could not convert|NumberFormatException|JSONDecodeError"
        r"|Expecting value|Unparseable|cannot parse|Failed to parse|InvalidTextRepresentation|CAST_INVALID_INPUT"
        r"|NumericValueOutOfRange|out of range for type|DateTimeParseException|invalid (?:date|number|value)"
        r"|malformed (?:json|record|row)|Numeric value .{0,40} is not recognized|ParserError|Error tokenizing"
        r"|Expected \d+ fields",
        "number, numer, pars, convert, format:0.6, json, invalid:0.6, bad:0.4, valu:0.5, digit, integ, decim, "
        "date:0.5, literal, malform:0.6, unparse",
    ),
    _c(
        "command_failed",
        r"Bash command failed|returned non-zero exit|non-zero exit (?:code|status)|CalledProcessError"
        r"|(?:exit|return) (?:code|status) [1-9]\d*\b(?<!137)",
        "shell, script, bash, command, exit, subprocess, non zero, nonzero, return:0.5, submit:0.6, cli:0.6",
    ),
    _c(
        "dbt_failed",
        r"(?:Database|Compilation|Runtime) Error in (?:model|test|snapshot|seed)|Failure in test \w+"
        r"|dbt (?:run|test|build) failed",
        "dbt, model:0.5, materializ",
    ),
]
BY_NAME = {c.name: c for c in CONCEPTS}


# Changes when a concept's log pattern changes: an index tagged with other patterns re-tags its templates.
VERSION = hashlib.sha256(
    "\n".join(f"{c.name}\t{c.log.pattern}\t{c.unless.pattern if c.unless else ''}" for c in CONCEPTS).encode()
).hexdigest()[:16]


def tag(text: str) -> list[str]:
    """The concepts a log line expresses."""
    return [c.name for c in CONCEPTS if c.log.search(text) and not (c.unless and c.unless.search(text))]


def _cue_match(word: str, cue: str) -> bool:
    """A query word matches a cue word when equal, or when it starts with a cue of five letters or more."""
    return word == cue or (len(cue) >= 5 and word.startswith(cue))


def query_concepts(query: str) -> dict[str, float]:
    """The concepts a plain-language query asks for, with a weight in 0..1. A two-word cue that matches takes its
    words for its concept: "lost connection" asks for connection, not also for executor_lost's "lost"."""
    words = [stem(t) for t in tokens(query)]
    phrases: dict[str, str] = {}
    taken: dict[int, str] = {}  # word position -> the concept whose two-word cue took it
    for c in CONCEPTS:
        for cue in c.cues:
            parts = cue.split()
            if len(parts) < 2:
                continue
            for i in range(len(words) - len(parts) + 1):
                if all(_cue_match(words[i + j], part) for j, part in enumerate(parts)):
                    phrases[cue] = c.name
                    taken.update(dict.fromkeys(range(i, i + len(parts)), c.name))
    out: dict[str, float] = {}
    for c in CONCEPTS:
        total = 0.0
        mine = [w for i, w in enumerate(words) if taken.get(i, c.name) == c.name]
        for cue, weight in c.cues.items():
            if " " in cue:
                if phrases.get(cue) == c.name:
                    total += weight
            elif any(_cue_match(w, cue) for w in mine):
                total += weight
        if total >= 0.5:
            out[c.name] = min(1.0, total)
    return out
