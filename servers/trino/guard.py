"""The read-only guard: parse one statement with sqlglot in the engine's dialect and refuse anything but a read.

The guard is an allowlist: a single SELECT/WITH/VALUES query, DESCRIBE, a known SHOW form, or EXPLAIN (never
EXPLAIN ANALYZE) of a query. The whole tree is walked, so a write nested in a CTE or subquery, a table function, a
`system` table or a table outside the allowlists is refused wherever it sits. What `run_query` sends is the SQL
sqlglot regenerates from the checked tree (plus the row limit), so what runs is exactly what was checked.

On Spark a catalog configured as an alias of the session catalog (`lake` for SQL shared with Trino) is renamed to
`spark_catalog` in the tree before anything is checked: the allowlists and the engine see the statement that runs.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from oncall_mcp.servers.trino.functions import ALLOWED_FUNCTIONS, SESSION_TRINO
from oncall_mcp.servers.trino.spark_names import PLAIN_NAME, SPARK_CATALOG, SPARK_SOURCE_NAMES, catalog_alias_problem

logging.getLogger("sqlglot").setLevel(logging.ERROR)

# Parsing is the one cost a caller controls before any engine is contacted: ~1 s of CPU per 100k characters.
MAX_SQL_CHARS = 20_000
MAX_TOKENS = 5_000
MAX_NODES = 10_000
DIALECTS = {"trino": "trino", "spark": "spark"}

# The metrics tables the server itself reads (recent_queries); every other `system` table is refused.
ALLOWED_SYSTEM_TABLES = frozenset({("runtime", "queries"), ("runtime", "tasks"), ("runtime", "nodes")})

WRITE_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Grant", "Revoke",
        "Command", "Set", "Use", "Transaction", "Commit", "Rollback", "Cache", "Uncache", "Refresh", "Analyze",
        "Copy", "LoadData", "Pragma", "Into", "QueryTransform", "Comment", "Lock", "Kill", "Install", "Attach",
        "Detach", "Export", "Summarize", "Put", "Get", "AlterRename", "RenameColumn",
    )
    if hasattr(exp, name)
)  # fmt: skip

# Table-valued functions that may stand where a table does (only through LATERAL VIEW / a select-list generator).
GENERATOR_NODES: tuple[type[exp.Expression], ...] = (exp.Explode, exp.Posexplode, exp.Inline)


SHOW_FORMS = [
    re.compile(p, re.IGNORECASE | re.DOTALL | re.ASCII)
    for p in (
        r"^SHOW\s+CATALOGS(\s+LIKE\s+'[^']*')?$",
        r"^SHOW\s+(SCHEMAS|DATABASES|NAMESPACES)(\s+(FROM|IN)\s+(?P<catalog>[\w\"`]+))?(\s+LIKE\s+'[^']*')?$",
        r"^SHOW\s+(TABLES|VIEWS)(\s+(FROM|IN)\s+(?P<schema>[\w\"`.]+))?(\s+LIKE\s+'[^']*')?$",
        r"^SHOW\s+(COLUMNS)\s+(FROM|IN)\s+(?P<table>[\w\"`.]+)(\s+(FROM|IN)\s+[\w\"`]+)?(\s+LIKE\s+'[^']*')?$",
        r"^SHOW\s+CREATE\s+(TABLE|VIEW|MATERIALIZED\s+VIEW)\s+(?P<table>[\w\"`.]+)$",
        r"^SHOW\s+STATS\s+FOR\s+(?P<table>[\w\"`.]+)$",
        r"^SHOW\s+(PARTITIONS|TBLPROPERTIES)\s+(?P<table>[\w\"`.]+)$",
        r"^SHOW\s+(USER\s+|SYSTEM\s+|ALL\s+)?FUNCTIONS(\s+(FROM|IN)\s+[\w\"`.]+)?(\s+LIKE\s+'[^']*')?$",
    )
]
EXPLAIN_RE = re.compile(
    r"^EXPLAIN(?P<opts>\s*\(\s*(?:(?:TYPE\s+(?:LOGICAL|DISTRIBUTED|VALIDATE|IO)|FORMAT\s+(?:TEXT|GRAPHVIZ|JSON))"
    r"\s*,\s*)*(?:TYPE\s+(?:LOGICAL|DISTRIBUTED|VALIDATE|IO)|FORMAT\s+(?:TEXT|GRAPHVIZ|JSON))\s*\)"
    r"|\s+(?:EXTENDED|CODEGEN|COST|FORMATTED)\b)?\s*(?P<inner>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# An unquoted identifier spelled like a statement verb is how a parser differential hides a second statement
# (`SELECT 1 -- \<newline>DELETE FROM t` parses as an alias named DELETE); such names must be quoted.
STATEMENT_WORDS = frozenset(
    {
        "DELETE", "INSERT", "UPDATE", "MERGE", "DROP", "CREATE", "ALTER", "TRUNCATE", "GRANT", "REVOKE", "DENY",
        "CALL", "EXECUTE", "PREPARE", "DEALLOCATE", "RESET", "COMMIT", "ROLLBACK", "REFRESH", "ANALYZE", "VACUUM",
        "UPSERT", "MSCK", "PRAGMA", "DECLARE",
    }
)  # fmt: skip
SAFE_WHITESPACE = {"\t", "\n", "\r", " "}


@dataclass
class Allowlist:
    """Catalogs and schemas queries may touch; empty means no restriction at that level."""

    catalogs: frozenset[str] = frozenset()
    schemas: frozenset[str] = frozenset()  # entries `schema` or `catalog.schema`, lower case
    default_catalog: str | None = None
    default_schema: str | None = None
    # Spark: catalog names that mean the session catalog (`lake.s.t` runs as `spark_catalog.s.t`), lower case
    session_catalog_aliases: frozenset[str] = frozenset()


@dataclass
class GuardResult:
    allowed: bool
    reason: str
    statement_type: str
    tables: list[str] = field(default_factory=list)
    rewritten_sql: str | None = None
    original_sql: str = ""
    too_large: bool = False  # refused by a size limit before or after parsing
    # The query whose analyzed plan the engine checks before running: the SELECT itself, or the query of an EXPLAIN.
    query_sql: str | None = None
    # Tables read through a session-catalog alias: the name checked and run → the name as written.
    written_tables: dict[str, str] = field(default_factory=dict)

    def as_written(self, table: str) -> str:
        return self.written_tables.get(table, table)


@dataclass
class _Seen:
    """What the walk found: every table (as checked), the checked query texts, the catalog aliases resolved."""

    tables: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)
    aliases: set[str] = field(default_factory=set)


class Refused(Exception):
    def __init__(self, reason: str, statement_type: str = "UNKNOWN") -> None:
        super().__init__(reason)
        self.reason = reason
        self.statement_type = statement_type


class TooLarge(Refused):
    pass


def check(sql: str, engine: str, allow: Allowlist | None = None, max_rows: int | None = None) -> GuardResult:
    """Decide whether `sql` is a single read statement; never raises, never contacts an engine."""
    allow = allow or Allowlist()
    dialect = DIALECTS.get(engine)
    if dialect is None:
        return GuardResult(False, f"unknown engine {engine!r}", "UNKNOWN", original_sql=sql)
    seen = _Seen()
    try:
        text = precheck(sql, dialect)
        stype, rewritten = _check_text(text, dialect, allow, max_rows, seen)
    except Refused as exc:
        return GuardResult(
            False,
            exc.reason,
            exc.statement_type,
            sorted(set(seen.tables)),
            None,
            sql,
            too_large=isinstance(exc, TooLarge),
            written_tables=seen.written,
        )
    except Exception as exc:  # a parser bug must refuse, never let a statement through
        return GuardResult(
            False, f"could not analyse the statement safely ({type(exc).__name__})", "UNKNOWN", [], None, sql
        )
    query = seen.queries[-1] if seen.queries and stype in ("SELECT", "EXPLAIN") else None
    reason = "single read statement"
    if seen.aliases:
        names = ", ".join(repr(a) for a in sorted(seen.aliases))
        reason += f"; catalog {names} is read as Spark's session catalog {SPARK_CATALOG}"
    return GuardResult(
        True, reason, stype, sorted(set(seen.tables)), rewritten, text, query_sql=query, written_tables=seen.written
    )


def precheck(sql: str, dialect: str) -> str:
    if not sql or not sql.strip():
        raise Refused("empty statement")
    if len(sql) > MAX_SQL_CHARS:
        raise TooLarge(
            f"statement is {len(sql):,} characters, over the limit of {MAX_SQL_CHARS:,} (MAX_SQL_CHARS); "
            "send a shorter query (select fewer columns, aggregate)"
        )
    for ch in sql:
        if ch in SAFE_WHITESPACE:
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (cat == "Zs"):
            raise Refused(f"control, format or unusual whitespace character U+{ord(ch):04X} in the statement")
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except SqlglotError as exc:
        raise Refused(f"does not tokenize: {_short(exc)}") from None
    if len(tokens) > MAX_TOKENS:
        raise TooLarge(f"statement has {len(tokens):,} tokens, over the limit of {MAX_TOKENS:,} (MAX_TOKENS)")
    quoted = (TokenType.STRING, TokenType.IDENTIFIER, TokenType.NATIONAL_STRING, TokenType.RAW_STRING)
    for tok in tokens:
        if tok.token_type not in quoted and not tok.text.isascii():
            raise Refused(f"non-ASCII text outside a string literal or quoted identifier: {tok.text[:40]!r}")
    # Only a trailing semicolon is tolerated; anything after it is a second statement.
    semis = [i for i, t in enumerate(tokens) if t.token_type == TokenType.SEMICOLON]
    if semis and (len(semis) > 1 or semis[0] != len(tokens) - 1):
        raise Refused("multiple statements; send exactly one statement")
    text = sql.strip()
    if semis:
        text = text[: tokens[semis[0]].start].rstrip()
    if not text:
        raise Refused("empty statement")
    return text


def _check_text(text: str, dialect: str, allow: Allowlist, max_rows: int | None, seen: _Seen) -> tuple[str, str]:
    try:
        parsed = [p for p in sqlglot.parse(text, read=dialect) if p is not None]
    except SqlglotError as exc:
        raise Refused(f"does not parse as {dialect} SQL: {_short(exc)}") from None
    if len(parsed) != 1:
        raise Refused("multiple statements; send exactly one statement" if parsed else "empty statement")
    root = parsed[0]
    nodes = sum(1 for _ in root.walk())
    if nodes > MAX_NODES:
        raise TooLarge(f"statement has {nodes:,} syntax nodes, over the limit of {MAX_NODES:,} (MAX_NODES)")
    if isinstance(root, exp.Command):
        return _check_command(root, text, dialect, allow, max_rows, seen)
    _resolve_session_catalog(root, dialect, allow, seen)
    if isinstance(root, exp.Describe):
        if root.args.get("kind") not in (None, False, "TABLE") or root.args.get("style") not in (
            None,
            False,
            "EXTENDED",
        ):
            raise Refused("only DESCRIBE <table> is allowed", "DESCRIBE")
        _walk(root, dialect, allow, seen, "DESCRIBE")
        return "DESCRIBE", root.sql(dialect=dialect, comments=False)
    if not isinstance(root, (exp.Query, exp.Values)):
        raise Refused(f"{_type_name(root)} is not a read; only SELECT/WITH/SHOW/DESCRIBE/EXPLAIN", _type_name(root))
    _walk(root, dialect, allow, seen, "SELECT")
    seen.queries.append(root.sql(dialect=dialect, comments=False))
    if max_rows is not None and isinstance(root, exp.Query):
        root = _limit(root, max_rows + 1)
    return "SELECT", root.sql(dialect=dialect, comments=False)


def _check_command(
    root: exp.Command,
    text: str,
    dialect: str,
    allow: Allowlist,
    max_rows: int | None,
    seen: _Seen,
) -> tuple[str, str]:
    verb = str(root.this).upper()
    arg = root.expression
    if isinstance(arg, exp.Literal):
        payload = str(arg.this)
    elif isinstance(arg, exp.Expression):
        payload = arg.sql(dialect)
    else:
        payload = str(arg or "")
    if verb == "EXPLAIN":
        m = EXPLAIN_RE.match("EXPLAIN " + payload)
        if not m or re.match(r"^\s*(ANALYZE|VERBOSE)\b", m.group("inner"), re.IGNORECASE):
            raise Refused("EXPLAIN ANALYZE runs the statement; use EXPLAIN or validate_sql", "EXPLAIN")
        try:
            inner = precheck(m.group("inner"), dialect)
            stype, inner_sql = _check_text(inner, dialect, allow, None, seen)
        except Refused as exc:
            raise Refused(f"EXPLAIN of a refused statement: {exc.reason}", "EXPLAIN") from None
        if stype != "SELECT":
            raise Refused("EXPLAIN is allowed for queries only", "EXPLAIN")
        opts = " ".join((m.group("opts") or "").split())
        return "EXPLAIN", f"EXPLAIN {opts + ' ' if opts else ''}{inner_sql}"
    if verb == "SHOW":
        if any(mark in payload for mark in ("--", "/*", ";")) or not payload.isascii():
            raise Refused("comments, semicolons and non-ASCII text are not allowed in SHOW", "SHOW")
        normalized = "SHOW " + " ".join(payload.split())
        for form in SHOW_FORMS:
            m = form.match(normalized)
            if not m:
                continue
            groups = m.groupdict()
            # Each form names at most one table, schema or catalog; a session-catalog alias in it is replaced by
            # the name regenerated from its parsed parts.
            if groups.get("table"):
                resolved = _check_named_table(groups["table"], dialect, allow, seen, "SHOW")
                normalized = _splice(normalized, m.span("table"), resolved)
            if groups.get("schema"):
                resolved = _check_named_schema(groups["schema"], dialect, allow, seen, "SHOW")
                normalized = _splice(normalized, m.span("schema"), resolved)
            if groups.get("catalog"):
                catalog = _unquote(groups["catalog"]).lower()
                if _is_session_alias(catalog, dialect, allow):
                    seen.aliases.add(catalog)
                    normalized = _splice(normalized, m.span("catalog"), SPARK_CATALOG)
                    catalog = SPARK_CATALOG
                _check_catalog(catalog, allow, "SHOW")
            return "SHOW", normalized
        raise Refused(
            "this SHOW form is not allowed (allowed: SHOW CATALOGS/SCHEMAS/TABLES/COLUMNS/CREATE/STATS)", "SHOW"
        )
    raise Refused(f"{verb} is not a read statement", verb or "UNKNOWN")


def _splice(text: str, span: tuple[int, int], replacement: str | None) -> str:
    return text if replacement is None else text[: span[0]] + replacement + text[span[1] :]


def _is_session_alias(catalog: str, dialect: str, allow: Allowlist) -> bool:
    """Whether `catalog` names Spark's session catalog by a configured alias (never `system` or a data source)."""
    name = catalog.lower()
    return dialect == "spark" and name in allow.session_catalog_aliases and catalog_alias_problem(name) is None


def _resolve_session_catalog(root: exp.Expression, dialect: str, allow: Allowlist, seen: _Seen) -> None:
    """Rename a session-catalog alias to spark_catalog in the tree: in table names, and in column references
    qualified by such a table (`lake.s.t.c`), so the statement that is checked and run names what Spark reads."""
    if dialect != "spark" or not allow.session_catalog_aliases:
        return
    renamed = {
        (alias, table.db.lower(), table.name.lower())
        for table in list(root.find_all(exp.Table))
        if (alias := _rename_table_catalog(table, dialect, allow, seen))
    }
    for column in list(root.find_all(exp.Column)):
        catalog = column.args.get("catalog")
        if (
            isinstance(catalog, exp.Identifier)
            and (catalog.name.lower(), column.db.lower(), column.table.lower()) in renamed
        ):
            column.set("catalog", exp.to_identifier(SPARK_CATALOG))


def _rename_table_catalog(table: exp.Table, dialect: str, allow: Allowlist, seen: _Seen) -> str | None:
    """Point `table` at spark_catalog when its catalog is an alias; returns the alias it had, or None."""
    catalog = table.args.get("catalog")
    if not isinstance(table.this, exp.Identifier) or not isinstance(catalog, exp.Identifier):
        return None  # a name of four or more parts (refused by the walk) or a function in table position
    if not _is_session_alias(catalog.name, dialect, allow):
        return None
    written = ".".join(p.name for p in table.parts)
    table.set("catalog", exp.to_identifier(SPARK_CATALOG))
    seen.written[".".join(p.name for p in table.parts)] = written
    seen.aliases.add(catalog.name.lower())
    return catalog.name.lower()


def _walk(root: exp.Expression, dialect: str, allow: Allowlist, seen: _Seen, stype: str) -> None:
    cte_names = {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}
    for node in root.walk():
        if isinstance(node, WRITE_NODES):
            raise Refused(f"{_type_name(node)} inside the statement; only reads are allowed", stype)
        if isinstance(node, exp.Identifier) and not node.quoted and node.name.upper() in STATEMENT_WORDS:
            raise Refused(
                f"unquoted identifier {node.name!r} reads as a statement verb; quote it if it is a name", stype
            )
        if isinstance(node, exp.Func) and not isinstance(node, (exp.Connector, exp.Exists)):
            _check_function(node, dialect, stype)
            if isinstance(node, exp.Anonymous) and any(isinstance(a, exp.Dot) for a in node.expressions):
                raise Refused("table functions and catalog-qualified functions are not allowed", stype)
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            raise Refused("catalog-qualified functions and table functions are not allowed", stype)
        if isinstance(node, (exp.TableFromRows, exp.Lateral)) and not isinstance(node, exp.Unnest):
            lateral_fn = node.this if isinstance(node, exp.Lateral) else None
            if not isinstance(node, exp.Lateral) or not isinstance(lateral_fn, (*GENERATOR_NODES, exp.Subquery)):
                raise Refused("table functions are not allowed", stype)
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                raise Refused("table functions are not allowed; query tables by name", stype)
            if not node.args.get("db") and not node.args.get("catalog") and node.name.lower() in cte_names:
                continue
            _check_table(node, dialect, allow, seen, stype)


def _check_function(node: exp.Func, dialect: str, stype: str) -> None:
    if isinstance(node, exp.Anonymous):
        names = {node.name.lower()}
    else:
        names = {node.sql_name().lower(), *(n.lower() for n in type(node).sql_names())}
    allowed = ALLOWED_FUNCTIONS | SESSION_TRINO if dialect == "trino" else ALLOWED_FUNCTIONS
    if not names & allowed:
        shown = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        raise Refused(
            f"function {shown.lower()}() is not in the diagnostic function allowlist (aggregates, math, string, "
            "date/time, conditional, cast, array/map/struct/JSON, window, hashing)",
            stype,
        )


def _check_table(node: exp.Table, dialect: str, allow: Allowlist, seen: _Seen, stype: str) -> None:
    name = node.name
    schema = node.db or None
    catalog = node.catalog or None
    parts = [p.name for p in node.parts]
    if len(parts) > 3:
        raise Refused(f"table name with too many parts: {'.'.join(parts)}", stype)
    bad = [p for p in parts if not PLAIN_NAME.match(p)]
    if bad:
        # Plain names only: a path, glob, dotted class name or empty part is never a catalog table.
        raise Refused(
            f"{bad[0]!r} is not a plain table, schema or catalog name (letters, digits, _); reading files by "
            "path is not allowed, query a registered table",
            stype,
        )
    if dialect == "spark":
        if (schema or "").lower() in SPARK_SOURCE_NAMES or (catalog or "").lower() in SPARK_SOURCE_NAMES:
            raise Refused(
                f"{schema or catalog!r} names a Spark data source, not a schema: reading files by path is not "
                "allowed, query a registered table",
                stype,
            )
        if catalog and catalog.lower() != SPARK_CATALOG:
            aliases = sorted(allow.session_catalog_aliases)
            also = f" (also named {', '.join(aliases)} here)" if aliases else ""
            raise Refused(f"catalog {catalog!r}: only the session catalog ({SPARK_CATALOG}) is queried{also}", stype)
    eff_catalog = (catalog or allow.default_catalog or "").lower()
    eff_schema = (schema or allow.default_schema or "").lower()
    checked = ".".join(p for p in (catalog, schema, name) if p)
    seen.tables.append(checked)
    full = seen.written.get(checked, checked)  # refusals name the table as the caller wrote it
    if dialect == "trino" and not (eff_catalog and eff_schema):
        raise Refused(
            f"qualify {full} as catalog.schema.table: no default catalog/schema is configured for unqualified names",
            stype,
        )
    is_system = "system" in (eff_catalog, (schema or "").lower() if not catalog else "")
    if is_system:
        pair = ((schema or "").lower(), name.lower()) if catalog else (None, None)
        if dialect != "trino" or eff_catalog != "system" or pair not in ALLOWED_SYSTEM_TABLES:
            raise Refused(f"the system catalog is not allowed ({full}); recent_queries reads the metrics", stype)
        return
    _check_catalog(eff_catalog, allow, stype, full)
    if allow.schemas and eff_schema != "information_schema":
        if not eff_schema:
            raise Refused(f"qualify {full} with its schema: a schema allowlist is configured", stype)
        if eff_schema not in allow.schemas and f"{eff_catalog}.{eff_schema}" not in allow.schemas:
            raise Refused(f"schema {eff_schema!r} of {full} is not in the allowlist", stype)


def _check_catalog(catalog: str, allow: Allowlist, stype: str, what: str = "") -> None:
    if catalog == "system":
        raise Refused("the system catalog is not allowed; recent_queries reads the metrics", stype)
    if allow.catalogs:
        if not catalog:
            raise Refused(f"qualify {what or 'the table'} with its catalog: a catalog allowlist is configured", stype)
        if catalog not in allow.catalogs:
            raise Refused(f"catalog {catalog!r} is not in the allowlist ({', '.join(sorted(allow.catalogs))})", stype)


def _check_named_table(name: str, dialect: str, allow: Allowlist, seen: _Seen, stype: str) -> str | None:
    """Check a table named in a SHOW form; returns its name with an alias resolved, or None when unchanged."""
    try:
        table = exp.to_table(name, dialect=dialect)
    except SqlglotError:
        raise Refused(f"bad table name {name!r}", stype) from None
    renamed = _rename_table_catalog(table, dialect, allow, seen)
    _check_table(table, dialect, allow, seen, stype)
    return table.sql(dialect=dialect) if renamed else None


def _check_named_schema(name: str, dialect: str, allow: Allowlist, seen: _Seen, stype: str) -> str | None:
    """Check a schema named in a SHOW form; returns `spark_catalog.<schema>` when it was named through an alias."""
    written = name.split(".")
    parts = [_unquote(p).lower() for p in written]
    if len(parts) > 2:
        raise Refused(f"bad schema name {name!r}", stype)
    resolved = None
    if len(parts) == 2 and _is_session_alias(parts[0], dialect, allow):
        seen.aliases.add(parts[0])
        parts[0] = SPARK_CATALOG
        resolved = f"{SPARK_CATALOG}.{written[1]}"
    catalog = parts[0] if len(parts) == 2 else (allow.default_catalog or "")
    schema = parts[-1]
    if "system" in (catalog, schema if len(parts) == 1 and dialect == "spark" else ""):
        raise Refused("the system catalog is not allowed; recent_queries reads the metrics", stype)
    _check_catalog(catalog.lower(), allow, stype, name)
    if (
        allow.schemas
        and schema != "information_schema"
        and schema not in allow.schemas
        and f"{catalog}.{schema}" not in allow.schemas
    ):
        raise Refused(f"schema {schema!r} is not in the allowlist", stype)
    return resolved


def _limit(root: exp.Query, n: int) -> exp.Query:
    current = root.args.get("limit")
    if isinstance(root, exp.Select) and current is not None:
        expr = current.expression
        if isinstance(expr, exp.Literal) and expr.is_int and int(expr.this) <= n:
            return root
    if isinstance(root, exp.Select) and current is None and not root.args.get("offset"):
        return root.limit(n, copy=True)
    return exp.select("*").from_(root.subquery("_q")).limit(n)


def _unquote(name: str) -> str:
    return name.strip().strip('"`')


def _type_name(node: exp.Expression) -> str:
    return type(node).__name__.upper()


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]
