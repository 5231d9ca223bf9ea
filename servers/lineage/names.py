"""Dataset and job name resolution: OpenLineage `namespace/name`, plain names and table FQNs.

OpenLineage names a table by a namespace (`trino://host:8080`, `postgres://host:5432/db`, `s3://bucket`) and a
name (`catalog.schema.table`, `schema.table`, a path). Clients think in FQNs (`catalog.schema.table` or
OpenMetadata's `service.catalog.schema.table`). A query is tried against these tiers, case-insensitively; the
first tier with a hit wins and the answer says which tier matched:

1. `key`: the full OpenLineage key `namespace/name`.
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

EXPLAIN = {
    "key": "exact OpenLineage key namespace/name",
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


class NameIndex:
    """Lower-cased lookup tables over the graph's datasets, extended incrementally as datasets appear."""

    def __init__(self, graph: LineageGraph) -> None:
        self.graph = graph
        self.indexed = 0
        self.by_key: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
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
        self.indexed = len(datasets)
        jobs = self.graph.jobs
        for job in jobs[self.jobs_indexed :]:
            self.job_by_key.setdefault(job.key.lower(), []).append(job.id)
            self.job_by_name.setdefault(job.name.lower(), []).append(job.id)
        self.jobs_indexed = len(jobs)

    def resolve(self, query: str) -> Resolved:
        self._sync()
        q = query.strip().lower()
        for tier, table in (("key", self.by_key), ("name", self.by_name), ("namespace_path", self.by_path)):
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
    return out
