"""How every server names an object-store dataset (a cross-server contract, like the error vocabulary): which URI
schemes are object stores, and which are the same store (`s3a://b/k` and `s3n://b/k` are `s3://b/k`). lineage and
ownership must agree on it, or a next step naming `s3://bucket/key` would not match on the other side."""

from __future__ import annotations

OBJECT_STORE_SCHEMES = frozenset(
    {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "adl", "hdfs", "file", "oss", "r2"}
)
S3_ALIASES = frozenset({"s3a", "s3n"})
