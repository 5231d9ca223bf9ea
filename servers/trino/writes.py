"""The query part of a write statement, for validate_sql: the SELECT an INSERT/CTAS/MERGE would read.

Only the extracted query is ever checked and compiled; the write itself is never sent to an engine."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from oncall_mcp.servers.trino.guard import DIALECTS, Refused, precheck


@dataclass
class WritePart:
    kind: str  # "INSERT INTO", "INSERT OVERWRITE", "CREATE TABLE AS", "MERGE"
    target: str  # the target table as written
    query_sql: str | None  # None: nothing to validate (INSERT … VALUES)
    target_columns: list[str] = field(default_factory=list)  # an explicit INSERT column list
    static_partitions: list[str] = field(default_factory=list)  # PARTITION (ds='…'): columns not in the query
    target_must_exist: bool = True  # CTAS creates it
    replaces_target: bool = False  # CREATE OR REPLACE / IF NOT EXISTS: an existing target is no error
    values_width: int | None = None  # INSERT … VALUES: the width of its rows

    @property
    def described(self) -> str:
        return f"query of {self.kind}"


def write_part(sql: str, engine: str) -> WritePart | None:
    """The query part of an INSERT/CTAS/MERGE, or None when `sql` is no such write (the guard then decides)."""
    dialect = DIALECTS.get(engine)
    if dialect is None:
        return None
    try:
        text = precheck(sql, dialect)
        parsed = [p for p in sqlglot.parse(text, read=dialect) if p is not None]
    except (Refused, SqlglotError):
        return None
    if len(parsed) != 1:
        return None
    root = parsed[0]
    if isinstance(root, exp.Insert):
        return _insert(root, dialect)
    if isinstance(root, exp.Create) and str(root.args.get("kind") or "").upper() == "TABLE":
        query = root.expression
        if not isinstance(query, exp.Query):
            return None
        table = root.this.this if isinstance(root.this, exp.Schema) else root.this
        if not isinstance(table, exp.Table):
            return None
        return WritePart(
            "CREATE TABLE AS",
            _name(table, dialect),
            _with_outer_ctes(query, root).sql(dialect=dialect, comments=False),
            target_must_exist=False,
            replaces_target=bool(root.args.get("replace") or root.args.get("exists")),
        )
    if isinstance(root, exp.Merge) and isinstance(root.this, exp.Table):
        using = root.args.get("using")
        if isinstance(using, exp.Subquery) and isinstance(using.this, exp.Query):
            query_sql = using.this.sql(dialect=dialect, comments=False)
        elif isinstance(using, exp.Table) and isinstance(using.this, exp.Identifier):
            source = using.copy()
            source.set("alias", None)
            query_sql = exp.select("*").from_(source).sql(dialect=dialect, comments=False)
        else:
            return None
        return WritePart("MERGE", _name(root.this, dialect), query_sql)
    return None


def _insert(root: exp.Insert, dialect: str) -> WritePart | None:
    target = root.this
    columns: list[str] = []
    if isinstance(target, exp.Schema):
        columns = [c.name for c in target.expressions if isinstance(c, exp.Identifier)]
        target = target.this
    if not isinstance(target, exp.Table):
        return None
    partition = target.args.get("partition")
    static = []
    if isinstance(partition, exp.Partition):
        static = [
            p.this.name for p in partition.expressions if isinstance(p, exp.EQ) and isinstance(p.this, exp.Column)
        ]
    kind = "INSERT OVERWRITE" if root.args.get("overwrite") else "INSERT INTO"
    query = root.expression
    if isinstance(query, exp.Values):
        widths = {len(row.expressions) if isinstance(row, exp.Tuple) else 1 for row in query.expressions}
        width = widths.pop() if len(widths) == 1 else None
        return WritePart(kind, _name(target, dialect), None, columns, static, values_width=width)
    if not isinstance(query, exp.Query):
        return None
    sql = _with_outer_ctes(query, root).sql(dialect=dialect, comments=False)
    return WritePart(kind, _name(target, dialect), sql, columns, static)


def _with_outer_ctes(query: exp.Query, root: exp.Expression) -> exp.Query:
    """`WITH q AS (…) INSERT INTO t SELECT … FROM q`: the CTEs belong to the query part."""
    outer = root.args.get("with_") or root.args.get("with")
    if not isinstance(outer, exp.With):
        return query
    query = query.copy()
    for cte in outer.expressions:
        query = query.with_(cte.alias, as_=cte.this.copy(), copy=False)
    return query


def _name(table: exp.Table, dialect: str) -> str:
    bare = exp.table_(table.name, db=table.db or None, catalog=table.catalog or None)
    return bare.sql(dialect=dialect)
