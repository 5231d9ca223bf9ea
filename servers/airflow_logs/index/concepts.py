"""The error-concept layer of search: what a log line *is* (out of memory, expired credentials, missing table...)
and which plain words of a query ask for it.

Log side: each concept has a pattern over the line text; lines are tagged once, at index time. Query side: each
concept has cue words (stemmed) with a weight; a query asks for the concepts whose cues it contains. Hand-written
because no library maps operator phrasing to error kinds; the optional embeddings (embed.py) cover what cues miss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncall_mcp.servers.airflow_logs.search import stem, tokens


@dataclass(frozen=True)
class Concept:
    name: str
    log: re.Pattern[str]
    cues: dict[str, float]  # stemmed query word (or "two words") -> weight


def _c(name: str, log: str, cues: str) -> Concept:
    weights: dict[str, float] = {}
    for part in cues.split(","):
        part = part.strip()
        if not part:
            continue
        word, _, w = part.partition(":")
        weights[" ".join(stem(t) for t in word.split())] = float(w) if w else 1.0
    return Concept(name, re.compile(log, re.I), weights)


CONCEPTS: list[Concept] = [
    _c(
        "out_of_memory",
        r"OutOfMemory|OOM ?Kill|out of memory|exceed\w* (?:the )?memory|memory limit|MemoryError|heap space"
        r"|GC overhead|Cannot allocate memory|(?:exit|return) (?:code|status) 137|\b137\b|EXCEEDED_\w*MEMORY"
        r"|^Killed$|\bKilled\b process|std::bad_alloc",
        "memory, ram, heap, oom, blew:0.5, blow:0.5, ran out:0.6, exhaust:0.6, gb:0.4, spill:0.4, allocat:0.7, big:0.3",
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
        r"|login fail|not authenticated|InvalidClientTokenId|credentials? (?:have |has )?expired|ExpiredSignature",
        "login, logon, token, expir, credenti, password, passwd, auth, authent, session, sign, stale:0.6, "
        "valid:0.5, reject:0.5, key:0.4, secret:0.6, renew:0.7, refresh:0.4, sso, jwt, oauth",
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
        r"|NoSuchObjectException",
        "table, renam, drop, relat, view, exist:0.5, vanish:0.5, gone:0.5, missing:0.4, delet:0.4, moved:0.5",
    ),
    _c(
        "column_missing",
        r"UNRESOLVED_COLUMN|cannot be resolved|no such column|column\b.{0,120}\b(?:does not exist|not found)"
        r"|Unknown column|COLUMN_NOT_FOUND|UndefinedColumn|cannot resolve|schema mismatch|type mismatch"
        r"|Cannot cast|CAST_INVALID_INPUT|incompatible (?:type|schema)|INCOMPATIBLE_DATA",
        "column, field, renam, schema, mismatch, cast, attribut:0.5, drop:0.5, type:0.4, resolv:0.6, changed:0.5",
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
        r"|ECONNREFUSED|ECONNRESET|Could not resolve host|server closed the connection|network",
        "connect, reach, network, host, unreach, dns, refus, socket, port, endpoint, offline, down:0.5, talk:0.6,"
        "resolv:0.3, link:0.4",
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
        "qualiti, quality, null, check, assert, expect, valid:0.6, validat, bad data, garbag, empty, row count, wrong, "
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
        r"|Container exited with a non-zero|container (?:marked as )?failed|shuffle|worker lost|Lost task",
        "executor, spark, stage, shuffl, job abort, container, lost, worker, node:0.5, cluster:0.5",
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
        r"|RecursionError|NullPointerException|division by zero|ValueError|list index out of range",
        "bug, code, divid, zero, attribut, none, null:0.4, undefin, typo:0.4, index, recurs, python, crash:0.4",
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
        "servic, server, api:0.5, unavail, outag, down, 5xx, 500, 502, 503, provid, vendor, gateway",
    ),
]
BY_NAME = {c.name: c for c in CONCEPTS}


def tag(text: str) -> list[str]:
    """The concepts a log line expresses."""
    return [c.name for c in CONCEPTS if c.log.search(text)]


def query_concepts(query: str) -> dict[str, float]:
    """The concepts a plain-language query asks for, with a weight in 0..1."""
    words = [stem(t) for t in tokens(query)]
    joined = " " + " ".join(words) + " "
    out: dict[str, float] = {}
    for c in CONCEPTS:
        total = 0.0
        for cue, weight in c.cues.items():
            if " " in cue:
                if f" {cue} " in joined:
                    total += weight
            elif any(w == cue or (len(cue) >= 5 and w.startswith(cue)) for w in words):
                total += weight
        if total >= 0.5:
            out[c.name] = min(1.0, total)
    return out
