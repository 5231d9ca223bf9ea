"""Knowledge about what errors look like: categories, generic wrappers, noise, identifiers, operators."""

from __future__ import annotations

import re

# (category, pattern, strength). Order matters: the first match decides the category of an event.
_RULES: list[tuple[str, str, float]] = [
    (
        "out_of_memory",
        r"OOMKilled|OutOfMemory|\w*MemoryError\b|out of memory|Out of memory|exceeding memory limits"
        r"|Unable to allocate \S+ ?[KMGTP]i?B|[Ff]ailed to allocate|std::bad_alloc|memory limit exceeded"
        r"|MemoryLimitExceeded"
        r"|Java heap space|GC overhead limit|Cannot allocate memory|(?:exit[ _]?(?:code|status)|exit_code)[:= ]+137\b"
        r"|Exit code is 137|container_reason: OOMKilled",
        3.2,
    ),
    (
        "resource_exhausted",
        r"No space left on device|\bENOSPC\b|[Dd]isk quota exceeded|\bEDQUOT\b|Too many open files|\bEMFILE\b"
        r"|[Nn]o space left|[Dd]isk (?:is )?full|out of disk space|[Nn]ot enough (?:disk )?space|inodes? exhausted",
        3.2,
    ),
    (
        "upstream_not_ready",
        r"AirflowSensorTimeout|Sensor has timed out|sensor.{0,40}timed out|upstream_failed"
        r"|Dependencies not met|upstream task.{0,40}(?:failed|not)",
        3.0,
    ),
    (
        "schema_mismatch",
        r"cannot be resolved|COLUMN_NOT_FOUND|UNRESOLVED_COLUMN|no such column|Unknown column"
        r"|column \S+ does not exist|invalid identifier|Invalid column|TYPE_MISMATCH|DATATYPE_MISMATCH|cannot cast"
        r"|CAST_INVALID_INPUT|is ambiguous|AMBIGUOUS|schema mismatch|Schema mismatch|mismatched schema"
        r"|incompatible (?:schema|type)|has no column|Column '[^']+' not found|FIELD_NOT_FOUND|missing column"
        r"|UndefinedColumn|Invalid column name",
        3.0,
    ),
    (
        "syntax",
        r"SyntaxError|SYNTAX_ERROR|mismatched input|syntax error|ParseException|PARSE_SYNTAX_ERROR"
        r"|IndentationError|TemplateSyntaxError|Jinja.{0,20}syntax",
        3.0,
    ),
    # Snowflake says this of a table that is not there (it will not say whether it exists when the role cannot see it)
    ("resource_missing", r"does not exist or not authori[sz]ed", 3.0),
    (
        "permission_denied",
        r"Permission denied|PermissionError|AccessDenied|Access Denied|Access denied"
        r"|\bForbidden\b|\b403\b|not authori[sz]ed|Unauthori[sz]ed|\b401\b|PERMISSION_DENIED|insufficient privilege"
        r"|InsufficientPrivilege|PermissionDenied|is not allowed to|AuthorizationException"
        # missing, expired or rejected credentials: the task cannot authenticate, so it cannot get access
        r"|NoCredentials|Unable to locate credentials|[Cc]redentials? (?:not found|expired|invalid|were not found)"
        r"|(?:[Ii]nvalid|[Ee]xpired|[Mm]issing) (?:credentials|token|access key|security token)|InvalidAccessKeyId"
        r"|SignatureDoesNotMatch|ExpiredToken|InvalidClientTokenId|UnrecognizedClientException|AuthFailure"
        r"|[Aa]uthentication (?:failed|failure|error|required)|AuthenticationError|invalid_grant|invalid_client"
        r"|DefaultCredentialsError|ClientAuthenticationError|password authentication failed|Login failed",
        3.0,
    ),
    (
        "dependency_missing",
        r"ModuleNotFoundError|No module named|\bImportError\b|cannot import name"
        r"|ClassNotFoundException|NoClassDefFoundError|command not found|DistributionNotFound|No matching distribution"
        r"|not installed|ProviderNotFound|jar.{0,40}not found",
        3.0,
    ),
    (
        "data_quality",
        r"data quality|DataQuality|Data quality|AssertionError|assertion failed|Failure in test"
        r"|dbt test|expectation.{0,30}fail|duplicate key|UniqueViolation|IntegrityError|violates .{0,20}constraint"
        r"|CheckViolation|NotNullViolation|null value in column|row count|Test failed|check failed|Check failed"
        r"|SQLCheckOperator|validation failed|Validation failed",
        2.8,
    ),
    (
        "resource_missing",
        r"TABLE_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|Table \S+ does not exist"
        r"|relation \S+ does not exist|no such table|NoSuchKey|NoSuchBucket|FileNotFoundError|No such file or directory"
        r"|Path does not exist|PATH_NOT_FOUND|does not exist|NoSuchTableException|TableNotFound|UndefinedTable"
        r"|No URLs matched|matched no (?:objects|files)|NoSuchObject|No such object|[Cc]annot stat"
        r"|AirflowNotFoundException"
        r"|conn(?:ection)?(?:_id)?\W{1,3}\S{1,100}\W{1,3} ?(?:isn't|is not|not) (?:defined|found)",
        2.8,
    ),
    (
        "rate_limited",
        r"\b429 Client Error|\b429 Too Many|Too Many Requests|TooManyRequests|HTTP(?:/[\d.]+)? 429\b"
        r"|status(?:_code| code)?[=: ]+429\b|[Rr]ate limit(?:ed| exceeded)|RateLimit(?:Error|Exceeded)"
        r"|Throttling(?:Exception)?\b|Throttled|RequestLimitExceeded|SlowDown|[Qq]uota exceeded|QuotaExceeded",
        2.8,
    ),
    (
        "service_error",
        r"\b5\d\d Server Error|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out"
        r"|HTTP(?:/[\d.]+)? 5\d\d\b|status(?:_code| code)?[=: ]+5\d\d\b|InternalServerError|ServiceUnavailable"
        r"|\b50[234]\b",
        2.7,
    ),
    (
        "connection",
        r"Connection refused|ConnectionError|ConnectTimeout|ConnectionReset|Connection reset"
        # name resolution (DNS) failures, as curl, Python, Java and libc print them
        r"|[Cc]ould not resolve (?:host|proxy)|[Cc]ouldn't resolve|NameResolutionError|UnknownHostException"
        r"|getaddrinfo failed|nodename nor servname|Unknown host|unknown host|Host not found"
        r"|[Ff]ailed to connect|[Cc]ouldn't connect|[Cc]an'?t connect|[Ff]ailed to resolve|[Cc]annot connect"
        r"|[Uu]nable to connect"
        r"|No\w*Available\b|\w*Unavailable(?:Error|Exception)?\b|NotAvailable\b"
        r"|NoRouteToHost|No route to host|Name or service not known|could not connect|Could not connect"
        r"|Temporary failure in name resolution|Max retries exceeded|BrokenPipe|Broken pipe"
        r"|EndpointConnectionError|connection.{0,20}(?:closed|lost|timed out)|unreachable"
        r"|socket timeout|SSLError|certificate verify failed",
        2.6,
    ),
    (
        "timeout",
        r"AirflowTaskTimeout|TimeoutError|timed out|Timed out|deadline exceeded|DeadlineExceeded"
        r"|execution_timeout|Timeout\b|took too long|exceeded.{0,30}time limit"
        # a database cancelled a statement that ran past its limit (Postgres, Snowflake 000630, MySQL, Trino)
        r"|due to statement timeout|statement or warehouse timeout|QueryCanceled|canceling statement due to"
        r"|\b57014\b|[Qq]uery (?:execution )?(?:was )?(?:cancell?ed|interrupted) .{0,40}tim|max_execution_time"
        r"|EXCEEDED_TIME_LIMIT|[Ll]ock wait timeout|query_timeout",
        2.4,
    ),
    (
        "killed",
        r"Negsignal\.SIGKILL|SIGKILL|Received SIGTERM|SIGTERM|\bKilled\b|killed externally|Evicted|evicted"
        r"|preempted|zombie|(?:return|exit) code -9|exit code 143|Pod phase: Failed|had an event of type Failed"
        r"|Terminating subprocesses|Container killed"
        # Airflow 3's supervisor (a signal other than SIGKILL; the API server ended the attempt) and Airflow 2's
        # local task job (the state was set from outside, e.g. after a zombie/heartbeat timeout)
        r"|Process terminated by signal|shouldn't be running anymore|Task killed!"
        r"|externally set to (?:failed|up_for_retry)",
        2.0,
    ),
    ("resource_missing", r"\bnot found\b|\b404\b|NotFound", 1.2),
]
RULES = [(cat, re.compile(rx), w) for cat, rx, w in _RULES]

# Exceptions that wrap the real cause: keep as anchors, rank below the cause.
GENERIC_EXC = re.compile(
    r"^(?:[\w.]+\.)?(?:AirflowException|AirflowFailException|Py4JJavaError|CalledProcessError|SparkException"
    r"|Exception|BaseException|RuntimeError|AirflowTaskTerminated|TaskDeferralError|DagRunFailed|ExecutionError"
    r"|SystemExit|RetryError|PodLaunchFailedException"
    r"|StreamingQueryException|RemoteException|ExecutionException|CompletionException|InvocationTargetException"
    r"|UndeclaredThrowableException|SQLException)$"
)
# Messages that only say "something failed" (the effect, not the cause).
GENERIC_MSG = re.compile(
    r"Bash command failed|returned a non-zero exit code|non-zero exit status|Job aborted due to stage failure"
    r"|An error occurred while calling|Task failed with exception|Command exited with return code"
    r"|Task exited with return code|Marking task as FAILED|Marking task as UP_FOR_RETRY|Process finished with exit"
    r"|spark-submit.{0,40}returned|Cannot execute:|job failed|Job failed|failed with exit code"
    r"|Error in Sql query|Pod returned a failure|Pod .{0,60} failed",
    re.I,
)
NOISE = re.compile(
    r"is deprecated|\b[A-Z]\w*Warning\b|Running command:"  # Python warning categories: DeprecationWarning, …
    r"|Executing:|Running statement|Running query|::group::|::endgroup::|Filling up the DagBag|OpenLineage"
    r"|ShutdownHookManager|Deleting directory|SecretsMasker|Could not import graphviz|Retrying|retrying"
    r"|will retry|Retry attempt|Attempting to retry|Starting attempt|Dependencies all met|Exporting env vars"
    r"|max_tries|Tmp dir root|Added new DAG bundle|DAG bundles loaded|log_filename_template|error_file"
    r"|ignore_errors|on_failure_callback|(?<!is_)failure_callback|errors=0|failed=0|Failed: 0|error\(s\): 0|0 errors"
    r"|WARN_ERROR|retries=|_error_handler",
)
# an error the code handled: it says it will retry, or a later line says the retry worked
RETRYING = re.compile(
    r"(?i)\bretrying\b|\bwill retry\b|\bretry(?:ing)? in \d|\bbacking off\b|\battempt \d+ (?:of|/) ?\d+ failed"
    r"|\bre-?trying\b|\bwill be retried\b"
)
# an error the code said it would go past ("Failed to push metrics; continuing")
WENT_ON = re.compile(
    r"(?i)\bcontinuing\b|\bignor(?:ing|ed)\b|\bfalling back\b|\bproceeding\b|\bskipping\b|\bwill continue\b"
)
RECOVERED = re.compile(
    r"(?i)\b(?:succeeded|recovered|reconnected|re-?established)\b|\bsuccess(?:ful)? (?:after|on) (?:retry|attempt)"
)
RECOVERED_WORDS = ("ucce", "UCCE", "ecover", "ECOVER", "econnect", "ECONNECT", "stablish", "STABLISH")
CHAIN_PY = re.compile(
    r"The above exception was the direct cause of the following exception|During handling of the above exception"
)
# lines that name what the task reads: the statement it runs, or what a sensor waits for
SQL_LINE = re.compile(r"(?i)\b(?:Executing|Running statement|Running query|Running command|sql|Poking)\b")
# a statement printed inside a message ("Test failed.\nQuery:\nSELECT … FROM t", a sensor's poke): its tables count
SQL_STATEMENT = re.compile(
    r"(?is)\bselect\b.{1,2000}?\bfrom\b|\binsert\s+(?:overwrite\s+)?(?:into|table)\b|\bmerge\s+into\b|\bdelete\s+from\b"
)

MARKER = re.compile(
    r"Task failed with exception|Marking task as (?:FAILED|UP_FOR_RETRY)|Task exited with return code (?:[1-9]|-|Neg)"
    r"|Command exited with return code [1-9]|Process exited with return code [1-9]|had an event of type Failed"
    r"|Pod phase: Failed|state=failed|new_state=failed"
)
# the final failure event: Airflow 3 puts the exception on this line, Airflow 2 prints the traceback after it
FAILED_WITH = re.compile(r"Task failed with exception")
FAILED_STATE = re.compile(r"Marking task as (?:FAILED|UP_FOR_RETRY)")
# the lines Airflow writes when it kills or loses the task process (both TERMINAL_KILL and the failed outcome)
_KILLED_PROCESS = r"Process terminated by signal|Detected zombie job|shouldn't be running anymore|Task killed!"
# a terminal line saying the task process was killed or ended from outside: a signal (SIGKILL/OOM, SIGTERM), a
# zombie or lost heartbeat, a state set externally. It is the final failure event when no exception follows it.
TERMINAL_KILL = re.compile(
    r"Task exited with return code (?:Negsignal\.\w+|-\d+|137\b)|"
    + _KILLED_PROCESS
    + r"|externally set to (?:failed|up_for_retry)|Received SIGTERM"
    r"|[Hh]eartbeat (?:lost|timed out|missed)|(?:[Ll]ost|[Mm]issed|[Nn]o) heartbeat"
)
# An explicit state line (Airflow 2 'Marking task as X', Airflow 3 'new_state=x', 'externally set to x') says what
# the attempt ended as; the other lines only that it ended (and how): the newest explicit one wins, else the newest
# other one. The terminal lines Airflow writes when the task process dies, as the task log shows them:
# - Airflow 3 supervisor: 'Process terminated by signal.' (+ ' Likely out of memory error (OOM).' for SIGKILL),
#   'Process exited abnormally' (a non-zero exit code), 'Server indicated the task shouldn't be running anymore.
#   Terminating process' + 'Task killed!' (the API server rejected the heartbeat: heartbeat timeout, or the state
#   was set from outside);
# - Airflow 2: 'Task exited with return code Negsignal.SIGKILL' (or -9), 'Detected zombie job: {...}' (written to the
#   task log by the scheduler), 'State of this instance has been externally set to failed. Terminating instance.'
EXPLICIT_STATE = re.compile(r"Marking task as|new_state=|externally set to")
OUTCOME_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("up_for_retry", re.compile(r"Marking task as UP_FOR_RETRY|new_state=up_for_retry|externally set to up_for_retry")),
    (
        "failed",
        re.compile(
            r"Marking task as FAILED|Task failed with exception|OpenLineage `FAIL` event|Task exited with return code"
            r" (?:[1-9]|-|Neg)|new_state=failed|Pod phase: Failed|externally set to failed"
            r"|Process exited abnormally|" + _KILLED_PROCESS
        ),
    ),
    (
        "success",
        re.compile(
            r"Marking task as SUCCESS|OpenLineage `COMPLETE` event|Task exited with return code 0|new_state=success"
            r"|Done\. Returned value was|externally set to success"
        ),
    ),
    (
        "skipped",
        re.compile(r"Marking task as SKIPPED|AirflowSkipException|new_state=skipped|externally set to skipped"),
    ),
    ("deferred", re.compile(r"Pausing task as DEFERRED|TaskDeferred|new_state=deferred")),
]

# substrings one of OUTCOME_RULES needs (a cheap pre-check: most candidate lines have none)
OUTCOME_WORDS = (
    "Marking task as",
    "Task failed",
    "OpenLineage",
    "return code",
    "new_state=",
    "Pod phase",
    "Done.",
    "SkipException",
    "DEFERRED",
    "TaskDeferred",
    "externally set",
    "Process terminated",
    "Process exited",
    "running anymore",
    "Task killed",
    "zombie job",
)

# identifiers
TRINO_QUERY_ID = re.compile(r"\b\d{8}_\d{6}_\d{5}_[a-z0-9]{5}\b")
SPARK_APP_ID = re.compile(r"\b(?:application_\d{10,}_\d{4,}|app-\d{14}-\d{4}|local-\d{13}|spark-[0-9a-f]{32})\b")
SQL_FILE = re.compile(r"(?<![\w.])((?:[\w.-]+/)*[\w-]+\.sql)\b(?!\.)")
_IDENT = r"[A-Za-z_][\w$]*"
TABLE_IN_SQL = re.compile(
    rf"(?i)\b(?:from|join|into|update|table|merge\s+into|using)\s+[`\"]?({_IDENT}(?:[`\"]?\.[`\"]?{_IDENT}){{0,3}})"
)
TABLE_IN_ERROR = re.compile(
    rf"(?:relation|[Tt]able|Object|no such table:?|TABLE_OR_VIEW_NOT_FOUND\]? The table or view)\s+['\"`]?"
    rf"({_IDENT}(?:\.{_IDENT}){{0,3}})['\"`]?"
)
# `FROM lake.orders o` / `JOIN x AS y`: which table a column qualifier (`o.amount`) stands for
TABLE_ALIAS = re.compile(
    rf"(?i)\b(?:from|join)\s+[`\"]?({_IDENT}(?:[`\"]?\.[`\"]?{_IDENT}){{0,3}})[`\"]?\s+(?:as\s+)?[`\"]?({_IDENT})\b"
)
ALIAS_STOPWORDS = {
    "where",
    "group",
    "order",
    "on",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "full",
    "cross",
    "using",
    "limit",
    "union",
    "having",
    "natural",
    "lateral",
    "window",
    "partition",
    "tablesample",
    "for",
    "as",
    "and",
    "or",
}
COLUMN_IN_ERROR = re.compile(r"(?:Column|column|no such column:|with name)\s+['\"`]?([\w.`]+?)['\"`]?(?:\s|$|;|,)")
DATASET_URI = re.compile(r"\b(?:s3a?|gs|abfss?|hdfs)://[\w.-]+(?::\d+)?(?:/[^\s'\"`,;()<>\[\]{}]*)?")
_PARTITION_OR_FILE = re.compile(r"/(?:[^/=]+=[^/]*|_SUCCESS|_started|_committed\w*|[^/]*\.\w{1,10})$")


def dataset_of(uri: str) -> str:
    """An object-store path as a lineage dataset: scheme and bucket kept, partition folders (`dt=2026-11-21`),
    marker files (`_SUCCESS`) and data files (`part-0.parquet`) cut off."""
    uri = uri.rstrip("/.:")
    while "/" in uri.split("://", 1)[-1]:
        cut = _PARTITION_OR_FILE.sub("", uri)
        if cut == uri:
            break
        uri = cut
    return uri


K8S_POD = re.compile(r"\bpod[ :=]+['\"]?([a-z0-9][a-z0-9.-]{3,})", re.I)
SQL_KEYWORDS = {"select", "where", "values", "set", "dual", "the", "a", "an", "lateral", "unnest", "table", "as"}

OPERATOR_FROM_LOGGER = re.compile(r"airflow\.task\.(?:operators|sensors)\.[\w.]{0,200}?\.([A-Z]\w{1,80})\b")
OPERATOR_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"TrinoOperator|TrinoHook|trino\.exceptions|TrinoUserError|TrinoQueryError"), "TrinoOperator"),
    (re.compile(r"SparkSubmitOperator|SparkSubmitHook|spark-submit"), "SparkSubmitOperator"),
    (re.compile(r"KubernetesPodOperator|pod_manager|pod_launcher|KubernetesPodTrigger"), "KubernetesPodOperator"),
    (re.compile(r"DbtCloudRunJobOperator|dbt (?:run|build|test)|dbt-core|Running with dbt"), "dbt (BashOperator)"),
    (
        re.compile(r"BashOperator|SubprocessHook|Running command: \['/usr/bin/bash'|Running command: \[.bash"),
        "BashOperator",
    ),
    (re.compile(r"SQLExecuteQueryOperator|common\.sql\.operators"), "SQLExecuteQueryOperator"),
    (re.compile(r"\b([A-Z]\w{0,60}Sensor)\b"), ""),
    (re.compile(r"PythonOperator|_PythonDecoratedOperator|@task"), "PythonOperator"),
]

_ANSI_MASK = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DASHED_MASKS = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<ts>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
]
_QUERY_MASK = re.compile(r"\b\d{8}_\d{6}_\d{5}_[a-z0-9]{5}\b")
_HEX_MASK = re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b", re.I)
_NUMBER_MASK = re.compile(r"(?<![A-Za-z])\d+(?:\.\d+)*")
# numbers that carry meaning: exit/return/status codes (137 = killed for memory, 2 = misuse, -9 = SIGKILL) and HTTP
# statuses (401 vs 503); the first alternative keeps them, the second masks every other number (an id or a count)
_NUMBERS_KEEPING_CODES = re.compile(
    r"(?P<prefix>(?i:\b(?:exit|return|status|error|response)[ _]?(?:code|status)|\bexit_?code|\breturncode"
    r"|\bstatus|\bHTTP(?:/\d(?:\.\d)?)?|\bsignal)\W{0,3})(?P<code>-?\d{1,3})\b"
    r"|\b(?P<http>[1-5]\d\d)(?= (?:Client|Server) Error\b)|" + _NUMBER_MASK.pattern
)


def _keep_code(m: re.Match[str]) -> str:
    if m.group("code") is not None:  # the prefix's own numbers (`HTTP/1.1`) are masked like any other
        return _NUMBER_MASK.sub("<n>", m.group("prefix")) + m.group("code")
    return m.group("http") or "<n>"


def mask(text: str, keep_codes: bool = False) -> str:
    """An error template: the same error with other ids, numbers, timestamps maps to the same string. With
    `keep_codes`, exit/return/status codes and HTTP statuses stay (`exit code 137` and `exit code 2` differ)."""
    text = text[:8000]  # the template keeps 300 characters; masks shrink text by far less than this
    if "\x1b" in text:
        text = _ANSI_MASK.sub("", text)
    if "-" in text:
        for rx, repl in _DASHED_MASKS:
            text = rx.sub(repl, text)
    if "_" in text:
        text = _QUERY_MASK.sub("<query>", text)
    text = _HEX_MASK.sub("<hex>", text)
    text = _NUMBERS_KEEPING_CODES.sub(_keep_code, text) if keep_codes else _NUMBER_MASK.sub("<n>", text)
    return " ".join(text.split())[:300]


_MODULE_PREFIX = re.compile(r"^(?:[a-z_]\w*\.)+(?=_*[A-Z]\w*(?::|$))")


def signature_text(label: str) -> str:
    """An error label (`Type: message`) with the exception's module path cut: Airflow 2 prints
    `airflow.exceptions.AirflowSensorTimeout: …`, Airflow 3's error_detail `AirflowSensorTimeout`, and one failure
    must read the same in both (error signatures)."""
    return _MODULE_PREFIX.sub("", label, count=1)


def categorize(text: str) -> tuple[str, float, str]:
    """(category, strength, matched text) of the first rule that matches; ('unknown', 0, '') otherwise."""
    for cat, rx, weight in RULES:
        m = rx.search(text)
        if m:
            return cat, weight, m.group(0)
    return "unknown", 0.0, ""
