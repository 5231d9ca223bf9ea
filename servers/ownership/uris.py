"""Dataset URIs as the lineage server and OpenLineage name them, read as ownership assets.

OpenLineage keys a dataset `namespace/name`: object stores keep the bucket in the namespace (`s3://bucket` +
`raw/orders/x.parquet`), databases put host and often the database there (`postgres://db:5432/shop` +
`public.orders`, `trino://trino:8080` + `lake.raw.orders`). An object-store URI is kept whole (the bucket is part
of what is owned); a database URI becomes the table name the registry uses (`shop.public.orders`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncall_mcp.shared.datasets import OBJECT_STORE_SCHEMES, S3_ALIASES

SCHEMELESS_TABLE_NAMESPACES = ("bigquery/",)  # OpenLineage's BigQuery namespace is just `bigquery`

_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$")


@dataclass(frozen=True)
class DatasetUri:
    kind: str  # "object" or "table"
    name: str  # object: the normalized URI; table: the table name, database first when the namespace gives it
    short_name: str = ""  # table: the name without the database taken from the namespace


def parse_dataset_uri(text: str) -> DatasetUri | None:
    """An object-store or database URI (or a `bigquery/...` key); None for anything else."""
    lower = text.lower()
    for prefix in SCHEMELESS_TABLE_NAMESPACES:
        if lower.startswith(prefix) and "/" not in text[len(prefix) :]:
            name = text[len(prefix) :]
            return DatasetUri("table", name, name)
    m = _URI.match(text)
    if not m:
        return None
    scheme, rest = m.group(1).lower(), m.group(2)
    if scheme in OBJECT_STORE_SCHEMES:
        scheme = "s3" if scheme in S3_ALIASES else scheme
        path = re.sub(r"/{2,}", "/", rest)
        return DatasetUri("object", f"{scheme}://{path}")
    segments = [s for s in rest.split("/") if s]
    if len(segments) < 2:
        return None  # a bare host names no table
    name = segments[-1]
    database = segments[-2] if len(segments) >= 3 else None
    if database and name.count(".") <= 1:
        return DatasetUri("table", f"{database}.{name}", name)
    return DatasetUri("table", name, name)
