"""Names Spark gives a meaning of its own: the session catalog, and the data-source qualifiers that read files.

Kept free of sqlglot and pyspark so the settings can check a catalog alias without the trino extra."""

from __future__ import annotations

import re

SPARK_CATALOG = "spark_catalog"

# Spark resolves `<source>.`<path>`` as a file read when <source> is no database: a data source short name or a
# class name. Such qualifiers are refused up front; the engine-side check refuses any relation that is not a
# catalog table whatever it was called.
SPARK_SOURCE_NAMES = frozenset(
    {
        "parquet", "csv", "json", "text", "orc", "avro", "binaryfile", "delta", "hive", "jdbc", "xml", "libsvm",
        "image", "noop", "kafka", "console", "rate", "socket", "memory", "iceberg", "hudi", "protobuf",
        "com", "org", "io", "net",
    }
)  # fmt: skip
PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def catalog_alias_problem(name: str) -> str | None:
    """Why `name` cannot stand for the session catalog on Spark, or None when it can."""
    lowered = name.lower()
    if not PLAIN_NAME.match(name):
        return f"{name!r} is not a plain catalog name (letters, digits, _)"
    if lowered == SPARK_CATALOG:
        return f"{name!r} is the session catalog itself; list only the other names it goes by"
    if lowered == "system":
        return "'system' cannot stand for the session catalog (the system catalog is never read)"
    if lowered in SPARK_SOURCE_NAMES:
        return f"{name!r} is a Spark data source name (`{lowered}.`<path>`` reads files), not a catalog"
    return None
