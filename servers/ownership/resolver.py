"""resolve_owner and list_assets: combine every source's claim, say which one decided and who agrees or conflicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from oncall_mcp.servers.ownership.fuzzy import FuzzyIndex
from oncall_mcp.servers.ownership.models import AssetKind, Evidence, OwnedAsset, ResolveOwnerResult, Team
from oncall_mcp.servers.ownership.patterns import Match
from oncall_mcp.servers.ownership.registry import ASSET_KINDS, TeamSpec
from oncall_mcp.servers.ownership.state import RegistryClaim, Snapshot
from oncall_mcp.servers.ownership.uris import parse_dataset_uri
from oncall_mcp.shared.errors import ToolError

MAX_MEMBERS_SHOWN = 10
BASE_CONFIDENCE = {
    "registry": 0.95,
    "codeowners": 0.8,
    "dag_file": 0.75,
    "openlineage": 0.7,
    "lineage_producer": 0.45,
}
KIND_OF_INDEX = {"tables": "table", "schemas": "schema", "dags": "dag", "tasks": "task", "s3": "s3", "paths": "path"}


def team_model(spec: TeamSpec) -> Team:
    return Team(
        name=spec.name,
        aliases=spec.aliases,
        members=spec.members[:MAX_MEMBERS_SHOWN],
        members_total=len(spec.members),
        slack_channel=spec.slack_channel,
        oncall_rotation=spec.oncall_rotation,
        escalation=spec.escalation,
    )


@dataclass
class Asset:
    raw: str
    kind: AssetKind
    name: str
    variants: list[str] = field(default_factory=list)  # table names to try (with/without the service prefix)
    dag_id: str | None = None
    task_id: str | None = None


def _strip_quotes(name: str) -> str:
    return ".".join(p.strip().strip('"`[]') for p in name.split("."))


def _known_dag(snap: Snapshot, dag_id: str) -> bool:
    if snap.dags and dag_id in snap.dags.dags:
        return True
    if snap.registry.index["dags"].exact.get(dag_id):
        return True
    lin = snap.lineage
    return bool(lin and (dag_id in lin.dag_run_owner or ("." not in dag_id and dag_id in lin.jobs)))


def classify(snap: Snapshot, raw: str, kind: str = "auto") -> Asset:
    asset = raw.strip()
    if not asset or len(asset) > 1000 or "\x00" in asset or "\n" in asset:
        raise ToolError("asset must be a non-empty single line under 1000 characters")
    uri = parse_dataset_uri(asset)
    if kind == "s3" or (kind == "auto" and uri is not None and uri.kind == "object"):
        if uri is None or uri.kind != "object":
            raise ToolError(
                f"{asset!r} is not an object-store URI; write it as s3://bucket/prefix (or gs://, abfss://, hdfs://)"
            )
        return Asset(raw, "s3", uri.name)
    if uri is not None and uri.kind == "table" and kind in ("auto", "table"):
        return Asset(raw, "table", uri.name.lower(), variants=_table_variants(uri.name, uri.short_name))
    if kind == "path" or (kind == "auto" and "/" in asset):
        path = asset.removeprefix("./")
        for root in (snap.repo, snap.dags_folder):
            if root is not None and path.startswith("/"):
                try:
                    path = Path(path).relative_to(root).as_posix()
                    break
                except ValueError:
                    continue
        return Asset(raw, "path", path.lstrip("/"))
    if kind == "dag" or (kind == "auto" and ("." not in asset or _known_dag(snap, asset))):
        return Asset(raw, "dag", asset, dag_id=asset)
    if kind in ("auto", "task"):
        for m in re.finditer(r"\.", asset):
            dag_id = asset[: m.start()]
            if kind == "task" or _known_dag(snap, dag_id):
                if kind == "task" and not _known_dag(snap, dag_id) and asset.count(".") > 1:
                    continue
                return Asset(raw, "task", asset, dag_id=dag_id, task_id=asset[m.end() :])
        if kind == "task":
            raise ToolError(f"{asset!r} is not `dag_id.task_id`")
        head = asset.split(".", 1)[0]
        if snap.registry.index["tasks"].match(asset) or (
            asset.count(".") == 1 and snap.registry.index["dags"].match(head)
        ):
            dag_id, task_id = asset.split(".", 1)
            return Asset(raw, "task", asset, dag_id=dag_id, task_id=task_id)
    name = _strip_quotes(asset)
    parts = name.split(".")
    if kind == "schema" or (kind == "auto" and len(parts) == 2):
        return Asset(raw, "schema", name.lower(), variants=[name.lower()])
    return Asset(raw, "table", name.lower(), variants=_table_variants(name))


def _table_variants(name: str, short_name: str = "") -> list[str]:
    """Table names to try: as given, without the service prefix (service.catalog.schema.table), and without a
    database taken from a URI's namespace."""
    parts = name.split(".")
    variants = [name.lower()]
    if len(parts) >= 4:
        variants.append(".".join(parts[-3:]).lower())
    if short_name:
        variants.append(short_name.lower())
    return list(dict.fromkeys(variants))


class _Collector:
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.evidence: list[Evidence] = []
        self.notes: list[str] = []
        self.ignored: list[str] = []
        self.task_suggestions: list[str] = []  # full `dag_id.task_id`s meant when the task id given is unknown

    def registry(self, matches: list[Match[RegistryClaim]], kind: str) -> None:
        if not matches:
            return
        reg = self.snap.registry
        best = matches[0].specificity
        top = [m for m in matches if m.specificity == best]
        teams = sorted({m.value.team for m in top})
        where = ", ".join(sorted({f"{reg.name}:{m.value.line}" for m in top}))
        ev = Evidence(
            source="registry",
            teams=teams,
            owners=teams,
            matched=" | ".join(sorted({m.pattern for m in top})),
            location=where,
            note=f"owns.{kind} {'exact name' if top[0].exact else 'pattern'}",
        )
        if len(teams) > 1:
            ev.note += "; TIE: several teams claim this at the same specificity, fix the registry"
            self.notes.append(
                f"registry conflict: {', '.join(teams)} all claim it via {ev.matched} ({where}); "
                "give one team a more specific pattern"
            )
        self.evidence.append(ev)
        for m in matches[len(top) :]:
            if m.value.team not in teams:
                self.notes.append(
                    f"overrides the less specific registry pattern {m.pattern!r} of {m.value.team} "
                    f"({reg.name}:{m.value.line})"
                )

    def owners(self, source: str, owners: list[str], matched: str, location: str, note: str = "") -> None:
        if not owners:
            return
        teams, unmapped, ignored = self.snap.registry.identity.map(owners)
        if ignored and not teams and not unmapped:
            self.ignored += ignored
            self.notes.append(
                f"{source} ({location}) names only the placeholder owner {', '.join(ignored)!s} "
                "(Airflow's default owner), which says nothing about a team; ignored"
            )
            return
        self.evidence.append(
            Evidence(
                source=source,  # type: ignore[arg-type]
                teams=teams,
                owners=[o for o in owners if o not in ignored],
                matched=matched,
                location=location,
                note=note + (f"; not in any registry team: {', '.join(unmapped)}" if unmapped else ""),
            )
        )

    def codeowners(self, rel_path: str, what: str) -> None:
        co = self.snap.codeowners
        if co is None or not co.rules:
            return
        rule = co.match(rel_path)
        if rule is None:
            return
        if not rule.owners:
            self.notes.append(f"{co.rel}:{rule.line} {rule.pattern!r} matches {rel_path} with no owners (unowned)")
            return
        self.owners("codeowners", rule.owners, rule.pattern, f"{co.rel}:{rule.line}", f"last matching line for {what}")

    def dag(self, dag_id: str, task_id: str | None = None) -> None:
        snap = self.snap
        reg = snap.registry
        if task_id is not None:
            self.registry(reg.index["tasks"].match(f"{dag_id}.{task_id}"), "tasks")
        info = snap.dags.dags.get(dag_id) if snap.dags else None
        rel = snap.dag_file_location(dag_id)
        if info and task_id is not None and task_id not in info.tasks:
            self.task_suggestions = [f"{dag_id}.{t}" for t in suggest_task_ids(task_id, list(info.tasks))]
            meant = f": did you mean {' or '.join(self.task_suggestions)}?" if self.task_suggestions else ""
            self.notes.append(
                f"task {task_id!r} is not in DAG {dag_id} ({rel}:{info.line}; Airflow ids carry their TaskGroup "
                f"prefix, e.g. grp.{task_id}){meant} The answer below is the DAG's owner"
            )
        if info and task_id is not None and task_id in info.tasks and info.tasks[task_id].owners:
            t = info.tasks[task_id]
            self.owners("dag_file", t.owners, f"task {task_id} owner=", f"{rel}:{t.line}", "task-level owner")
        self.registry(reg.index["dags"].match(dag_id), "dags")
        if info:
            if info.owners:
                self.owners(
                    "dag_file",
                    info.owners,
                    "default_args['owner']",
                    f"{rel}:{info.owner_line or info.line}",
                    "DAG owner" + (f"; owner_links: {info.owner_links}" if info.owner_links else ""),
                )
            else:
                self.notes.append(f"{rel}:{info.line}: DAG {dag_id} sets no owner (Airflow defaults to 'airflow')")
        repo_rel = snap.dag_file_rel(dag_id)
        if repo_rel:
            self.codeowners(repo_rel, f"DAG file {repo_rel}")
        lin = snap.lineage
        if lin:
            job = f"{dag_id}.{task_id}" if task_id else dag_id
            facet = lin.jobs.get(job) or (lin.jobs.get(dag_id) if task_id else None)
            if facet:
                self.owners(
                    "openlineage",
                    facet.owners,
                    f"job {job} facets.ownership",
                    facet.location,
                    "job ownership facet"
                    + (f" ({', '.join(t for t in facet.types if t)})" if any(facet.types) else ""),
                )
            elif dag_id in lin.dag_run_owner:
                f = lin.dag_run_owner[dag_id]
                self.owners("openlineage", f.owners, "run facet airflow.dag.owner", f.location, "Airflow run facet")


def suggest_task_ids(task_id: str, known: list[str], limit: int = 3) -> list[str]:
    """The full task ids most likely meant by `task_id`: ids ending in `.task_id` (the TaskGroup prefix was left
    out) first, then close spellings."""
    grouped = sorted(t for t in known if t.endswith("." + task_id))
    if grouped:
        return grouped[:limit]
    hits = process.extract(task_id, known, scorer=fuzz.WRatio, limit=limit, score_cutoff=75)
    return [known[i] for _, _, i in hits]


def _collect(snap: Snapshot, asset: Asset) -> _Collector:
    c = _Collector(snap)
    reg = snap.registry
    if asset.kind in ("table", "schema"):
        matches: list[Match[RegistryClaim]] = []
        if asset.kind == "table":
            for v in asset.variants:
                matches += reg.index["tables"].match(v)
        schema_matches = []
        for v in asset.variants:
            schema = ".".join(v.split(".")[:-1]) if asset.kind == "table" else v
            schema_matches += [
                Match(m.value, m.pattern, m.exact, m.specificity - 20_000) for m in reg.index["schemas"].match(schema)
            ]
        matches = sorted(matches, key=lambda m: -m.specificity) + sorted(schema_matches, key=lambda m: -m.specificity)
        c.registry(matches, "tables" if matches and matches[0].specificity > 0 else "schemas")
        lin = snap.lineage
        if lin and asset.kind == "table":
            for v in asset.variants:
                facet = lin.datasets.get(v) or next((f for k, f in lin.datasets.items() if k.lower() == v), None)
                if facet:
                    c.owners(
                        "openlineage",
                        facet.owners,
                        f"dataset {v} facets.ownership",
                        facet.location,
                        "dataset ownership facet",
                    )
                    break
            for v in asset.variants:
                jobs = sorted(lin.producers.get(v, ()))
                for job in jobs[:3]:
                    sub = _Collector(snap)
                    dag_id, _, task_id = job.partition(".")
                    sub.dag(dag_id, task_id or None)
                    decider = next((e for e in sub.evidence if e.teams), None)
                    if decider:
                        c.evidence.append(
                            Evidence(
                                source="lineage_producer",
                                teams=decider.teams,
                                owners=decider.owners,
                                matched=f"written by job {job}",
                                location=decider.location,
                                note=f"owner of the producing job, per {decider.source}",
                            )
                        )
                if jobs:
                    break
    elif asset.kind == "dag":
        c.dag(asset.name)
    elif asset.kind == "task":
        c.dag(asset.dag_id or "", asset.task_id)
    elif asset.kind == "path":
        c.registry(reg.index["paths"].match(asset.name), "paths")
        c.codeowners(asset.name, asset.name)
        if snap.dags and snap.dags_folder is not None:
            for dag_id, info in snap.dags.dags.items():
                rel_dags = snap.dag_file_location(dag_id)
                if asset.name in (rel_dags, snap.dag_file_rel(dag_id)) and info.owners:
                    c.owners(
                        "dag_file",
                        info.owners,
                        f"DAG {dag_id} in this file",
                        f"{rel_dags}:{info.line}",
                        "DAG owner of this file",
                    )
    elif asset.kind == "s3":
        c.registry(reg.index["s3"].match(asset.name), "s3")
        lin = snap.lineage
        if lin:
            parts = asset.name.rstrip("/").split("/")
            for k in range(len(parts), 3, -1):
                facet = lin.datasets.get("/".join(parts[:k]))
                if facet:
                    c.owners(
                        "openlineage",
                        facet.owners,
                        f"dataset {'/'.join(parts[:k])}",
                        facet.location,
                        "dataset ownership facet",
                    )
                    break
    return c


def candidate_names(snap: Snapshot) -> list[str]:
    if "names" not in snap.cache:
        names: set[str] = set()
        for kind in ASSET_KINDS:
            names.update(p for p, _ in snap.registry.index[kind].patterns())
        if snap.dags:
            for dag_id, info in snap.dags.dags.items():
                names.add(dag_id)
                names.update(f"{dag_id}.{t}" for t in info.tasks)
        if snap.lineage:
            names.update(snap.lineage.jobs)
            names.update(snap.lineage.datasets)
            names.update(snap.lineage.producers)
        snap.cache["names"] = sorted(names)
    return snap.cache["names"]


def closest(snap: Snapshot, query: str, limit: int = 5) -> list[str]:
    if "names_index" not in snap.cache:
        snap.cache["names_index"] = FuzzyIndex(candidate_names(snap))
    index: FuzzyIndex = snap.cache["names_index"]
    return [index.values[i] for i, _ in index.search(query, limit, 50)]


def resolve(snap: Snapshot, raw: str, kind: str = "auto") -> ResolveOwnerResult:
    asset = classify(snap, raw, kind)
    c = _collect(snap, asset)
    reg = snap.registry
    result = ResolveOwnerResult(
        asset=raw, kind=asset.kind, found=False, dag_id=asset.dag_id, task_id=asset.task_id, notes=c.notes
    )
    decider = next((e for e in c.evidence if e.teams), None)
    if decider is None:
        decider = next((e for e in c.evidence if e.owners), None)
    if decider is None:
        result.candidates = closest(snap, raw)
        result.notes.insert(0, "no owner found in any source")
        hint = {
            "table": "add it (or its schema) under a team's owns.tables/owns.schemas in the registry; "
            "the lineage server can tell which DAG writes it",
            "schema": "add it under a team's owns.schemas in the registry",
            "dag": "set default_args={'owner': ...} in the DAG file or add it under owns.dags",
            "task": "add the DAG under owns.dags (or the task under owns.tasks)",
            "path": "add a CODEOWNERS line or a registry owns.paths pattern",
            "s3": "add the prefix under a team's owns.s3 in the registry",
        }[asset.kind]
        result.notes.append(f"to make it resolvable: {hint}")
        return result
    result.found = True
    result.decided_by = decider
    decided = set(decider.teams)
    result.owners = [team_model(reg.teams[t.lower()]) for t in decider.teams if t.lower() in reg.teams]
    if not decider.teams:
        _, unmapped, _ = reg.identity.map(decider.owners)
        result.unmapped_owners = unmapped
        result.notes.append(
            f"{decider.source} names {', '.join(unmapped)}, who is in no registry team: add them to a team's members"
        )
    for ev in c.evidence:
        if ev is not decider and not ev.teams:
            result.notes.append(
                f"{ev.source} ({ev.location}) names {', '.join(ev.owners)}, who is in no registry team; "
                "add them to a team's members or aliases"
            )
        if ev is decider or not ev.teams:
            continue
        if decided and decided & set(ev.teams):
            result.agreeing.append(ev)
        else:
            result.conflicting.append(ev)
    conf = BASE_CONFIDENCE[decider.source]
    if decider.source == "registry" and "pattern" in decider.note:
        conf -= 0.1
    if not decider.teams:
        conf = min(conf, 0.4)
    if len(decider.teams) > 1:
        conf -= 0.25
    conf += 0.03 * len(result.agreeing) - 0.15 * len(result.conflicting)
    if c.task_suggestions:
        result.candidates = c.task_suggestions
        conf -= 0.2  # the task asked for is not the task the DAG file declares
    result.confidence = round(max(0.05, min(0.99, conf)), 2)
    result.confidence_label = "high" if conf >= 0.8 else "medium" if conf >= 0.5 else "low"
    if result.conflicting:
        result.notes.append(
            f"sources disagree: {decider.source} decided ({decider.location}); "
            + "; ".join(f"{e.source} says {', '.join(e.teams)} ({e.location})" for e in result.conflicting)
            + ". Notify the deciding team and fix the stale source."
        )
    return result


def list_owned(snap: Snapshot, team: str) -> list[OwnedAsset]:
    reg = snap.registry
    out: list[OwnedAsset] = []
    for i, spec in enumerate(reg.loaded.spec.teams):
        if spec.name != team:
            continue
        for kind in ASSET_KINDS:
            for j, pattern in enumerate(getattr(spec.owns, kind)):
                out.append(
                    OwnedAsset(
                        kind=KIND_OF_INDEX[kind],  # type: ignore[arg-type]
                        name=pattern,
                        source="registry",
                        location=f"{reg.name}:{reg.loaded.line_of('teams', i, 'owns', kind, j)}",
                    )
                )
    ident = reg.identity
    if snap.dags:
        for dag_id, info in sorted(snap.dags.dags.items()):
            if info.owners and team in ident.map(info.owners)[0]:
                loc = snap.dag_file_location(dag_id)
                out.append(OwnedAsset(kind="dag", name=dag_id, source="dag_file", location=f"{loc}:{info.line}"))
    if snap.codeowners:
        for rule in snap.codeowners.rules:
            if rule.owners and team in ident.map(rule.owners)[0]:
                out.append(
                    OwnedAsset(
                        kind="path",
                        name=rule.pattern,
                        source="codeowners",
                        location=f"{snap.codeowners.rel}:{rule.line}",
                    )
                )
    if snap.lineage:
        for key, facet in sorted(snap.lineage.datasets.items()):
            if team in ident.map(facet.owners)[0]:
                uri = parse_dataset_uri(key)
                asset_kind: AssetKind = "s3" if uri is not None and uri.kind == "object" else "table"
                out.append(OwnedAsset(kind=asset_kind, name=key, source="openlineage", location=facet.location))
    return out
