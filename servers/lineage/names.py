"""Dataset and job name resolution: OpenLineage `namespace/name`, plain names and table FQNs.

OpenLineage names a table by a namespace (`trino://host:8080`, `postgres://host:5432/db`, `s3://bucket`) and a
name (`catalog.schema.table`, `schema.table`, a path). Clients think in FQNs (`catalog.schema.table` or
OpenMetadata's `service.catalog.schema.table`). A query is tried against these tiers, case-insensitively; the
first tier with a hit wins and the answer says which tier matched:

1. `key`: the full OpenLineage key `namespace/name`.
   `uri`: for object stores, the dataset's URI with the bucket kept (`s3://bucket/key`; `s3a://` and `s3n://` read
   as `s3://`, doubled or trailing slashes ignored), however the producer split it into namespace and name.
2. `name`: the dataset name in any namespace.
3. `namespace_path`: the last path segment of the namespace joined to the name (`trino://h:443/lake` + `raw.orders`
   is `lake.raw.orders`), for producers that put the catalog or database into the namespace.
4. `service_prefix`: the query without its first dotted part (`svc.lake.raw.orders` -> `lake.raw.orders`), then
   tiers 2-3 again: OpenMetadata FQNs lead with the service name.
5. `suffix`: a dataset whose name ends with `.` + query (`raw.orders` finds `lake.raw.orders`).

Several datasets in the winning tier is an ambiguity: the tool asks for the exact `namespace/name`. No hit at all
gives fuzzy candidates (rapidfuzz).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from oncall_mcp.servers.lineage.graph import Dataset, Job, LineageGraph
from oncall_mcp.shared.datasets import OBJECT_STORE_SCHEMES, S3_ALIASES

EXPLAIN = {
    "key": "exact OpenLineage key namespace/name",
    "uri": "object-store URI, bucket included (s3a:// read as s3://, extra slashes ignored)",
    "name": "exact dataset name (namespace ignored)",
    "namespace_path": "namespace path segment + name (e.g. trino://host/lake + raw.orders = lake.raw.orders)",
    "service_prefix": "FQN with its leading service name dropped (service.catalog.schema.table)",
    "suffix": "dataset name ending with the given schema.table",
}


@dataclass
class Resolved:
    ids: list[int]
    tier: str


def namespace_path(namespace: str) -> str | None:
    """`trino://host:443/lake` -> `lake`; None when the namespace has no path."""
    _, sep, rest = namespace.partition("://")
    if not sep:
        return None
    _, slash, path = rest.partition("/")
    seg = path.strip("/").rsplit("/", 1)[-1] if slash else ""
    return seg or None


def scheme_of(namespace: str) -> str | None:
    scheme, sep, _ = namespace.partition("://")
    return scheme.lower() if sep else None


def object_uri(text: str) -> str | None:
    """The normalized URI of an object-store location (`s3a://b//k/` -> `s3://b/k`); None for anything else."""
    scheme = scheme_of(text)
    if scheme not in OBJECT_STORE_SCHEMES:
        return None
    rest = text.partition("://")[2]
    path = "/".join(part for part in rest.split("/") if part)
    return f"{'s3' if scheme in S3_ALIASES else scheme}://{path}"


def dataset_uri(ds: Dataset) -> str | None:
    """An object-store dataset's URI with its bucket (`s3://bucket` + `raw/x` -> `s3://bucket/raw/x`)."""
    if scheme_of(ds.namespace) not in OBJECT_STORE_SCHEMES:
        return None
    return object_uri(f"{ds.namespace.rstrip('/')}/{ds.name.lstrip('/')}")


def table_name(ds: Dataset) -> str:
    """The table name a catalog or an ownership registry uses: the name, with the database the namespace carries
    (`postgres://db:5432/shop` + `public.orders` -> `shop.public.orders`)."""
    seg = namespace_path(ds.namespace)
    return f"{seg}.{ds.name}" if seg and ds.name.count(".") == 1 else ds.name


def owner_asset(ds: Dataset) -> tuple[str, str]:
    """How to ask the ownership server about a dataset: (asset, kind). Object stores keep their bucket."""
    uri = dataset_uri(ds)
    if uri is not None:
        return uri, "s3"
    if "/" in ds.name:
        return ds.key, "auto"
    return table_name(ds), "table"


class NameIndex:
    """Lower-cased lookup tables over the graph's datasets, extended incrementally as datasets appear."""

    def __init__(self, graph: LineageGraph) -> None:
        self.graph = graph
        self.indexed = 0
        self.by_key: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
        self.by_uri: dict[str, list[int]] = {}
        self.jobs_indexed = 0
        self.job_by_key: dict[str, list[int]] = {}
        self.job_by_name: dict[str, list[int]] = {}

    def _sync(self) -> None:
        datasets = self.graph.datasets
        for ds in datasets[self.indexed :]:
            self.by_key.setdefault(ds.key.lower(), []).append(ds.id)
            self.by_name.setdefault(ds.name.lower(), []).append(ds.id)
            seg = namespace_path(ds.namespace)
            if seg:
                self.by_path.setdefault(f"{seg}.{ds.name}".lower(), []).append(ds.id)
            uri = dataset_uri(ds)
            if uri is not None:
                self.by_uri.setdefault(uri.lower(), []).append(ds.id)
        self.indexed = len(datasets)
        jobs = self.graph.jobs
        for job in jobs[self.jobs_indexed :]:
            self.job_by_key.setdefault(job.key.lower(), []).append(job.id)
            self.job_by_name.setdefault(job.name.lower(), []).append(job.id)
        self.jobs_indexed = len(jobs)

    def resolve(self, query: str) -> Resolved:
        self._sync()
        q = query.strip().lower()
        if q in self.by_key:
            return Resolved(list(self.by_key[q]), "key")
        uri = object_uri(q)
        if uri is not None:
            return Resolved(list(self.by_uri.get(uri, [])), "uri" if uri in self.by_uri else "none")
        for tier, table in (("name", self.by_name), ("namespace_path", self.by_path)):
            if q in table:
                return Resolved(list(table[q]), tier)
        _, dot, rest = q.partition(".")
        if dot and rest.count(".") >= 1:
            hits = self.by_name.get(rest, []) + self.by_path.get(rest, [])
            if hits:
                return Resolved(sorted(set(hits)), "service_prefix")
        if "." in q and "/" not in q:
            suffix = "." + q
            hits = [ds.id for ds in self.graph.datasets if ds.name.lower().endswith(suffix)]
            if hits:
                return Resolved(hits, "suffix")
        return Resolved([], "none")

    def candidates(self, query: str, limit: int = 8) -> list[str]:
        self._sync()
        datasets = self.graph.datasets
        if not datasets:
            return []
        names = [ds.key for ds in datasets]
        hits = process.extract(query, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        return [names[idx] for _, _, idx in hits]

    def resolve_job(self, query: str) -> list[Job]:
        self._sync()
        q = query.strip().lower()
        ids = self.job_by_key.get(q) or self.job_by_name.get(q) or []
        return [self.graph.jobs[i] for i in ids]

    def job_candidates(self, query: str, limit: int = 8) -> list[str]:
        self._sync()
        names = [job.name for job in self.graph.jobs]
        if not names:
            return []
        hits = process.extract(query, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        return [names[idx] for _, _, idx in hits]


def aliases(ds: Dataset) -> list[str]:
    """Every name a client may use for this dataset (for matching expectations)."""
    out = [ds.key, ds.name]
    seg = namespace_path(ds.namespace)
    if seg:
        out.append(f"{seg}.{ds.name}")
    uri = dataset_uri(ds)
    if uri is not None and uri != ds.key:
        out.append(uri)
    return out
