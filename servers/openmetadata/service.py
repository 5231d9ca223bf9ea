"""What each tool does, backend-neutral; `server.py` only declares the tools and delegates here."""

from __future__ import annotations

from typing import TypeVar

from oncall_mcp.servers.openmetadata.backend import Backend
from oncall_mcp.servers.openmetadata.catalog import CatalogBackend
from oncall_mcp.servers.openmetadata.entities import flatten_columns, format_version, iso_ms
from oncall_mcp.servers.openmetadata.followups import (
    after_get_table,
    after_history,
    after_lineage,
    after_search,
    after_suggest,
)
from oncall_mcp.servers.openmetadata.history import (
    column_story,
    keep_since,
    ordered_versions,
    schema_changes,
    since_filter,
)
from oncall_mcp.servers.openmetadata.lineage import column_lineage
from oncall_mcp.servers.openmetadata.models import (
    ColumnLink,
    ColumnOut,
    HistoryOut,
    IncludePart,
    LineageOut,
    Owner,
    SearchHit,
    SearchOut,
    SuggestOut,
    TableOut,
)
from oncall_mcp.servers.openmetadata.ometa import OpenMetadataBackend
from oncall_mcp.servers.openmetadata.paging import fit_page, start_position
from oncall_mcp.servers.openmetadata.resolve import resolve_table
from oncall_mcp.servers.openmetadata.search import explain_match
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from oncall_mcp.servers.openmetadata.suggest import looked_up_name, suggest
from oncall_mcp.shared.budget import clip
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.steps import NextStep, ToolResult


def build_backend(settings: OpenMetadataSettings) -> Backend:
    if settings.catalog is not None:
        return CatalogBackend(settings.catalog, validate=settings.validate_catalog)
    assert settings.host and settings.token  # guaranteed by settings validation
    return OpenMetadataBackend(settings.host, settings.token, settings.timeout_seconds, settings.verify_version)


R = TypeVar("R", bound=ToolResult)


def with_steps(result: R, steps: list[NextStep]) -> R:
    """`result` with these next steps (and their prose, which the model validator writes)."""
    return type(result).model_validate({**result.model_dump(exclude={"next_steps_text"}), "next_steps": steps})


class MetadataService:
    def __init__(self, backend: Backend, budget_tokens: int, page_size: int) -> None:
        self.backend = backend
        self.budget_tokens = budget_tokens
        self.page_size = page_size

    def get_table(
        self,
        fqn: str,
        include: list[IncludePart],
        column_offset: int,
        max_columns: int | None,
        column_filter: str | None,
        cursor: str | None = None,
    ) -> TableOut:
        start = start_position(cursor, column_offset, "column_offset")
        doc, note = resolve_table(self.backend, fqn)
        flat = flatten_columns(doc.columns)
        out = TableOut(
            fqn=doc.fqn,
            resolution=note,
            table_type=doc.tableType,
            tier=doc.tier,
            version=format_version(doc.version),
            updated_at=iso_ms(doc.updatedAt),
            updated_by=doc.updatedBy,
            column_count=len(flat),
            source=self.backend.label,
        )
        if "description" in include and doc.description:
            out.description = clip(doc.description, 1500)
        if "owners" in include:
            out.owners = [
                Owner(name=o.name or o.fullyQualifiedName or "?", type=o.type or "?", display_name=o.displayName)
                for o in doc.owners or []
            ]
        if "tags" in include:
            out.tags = [t.tagFQN for t in doc.tags or []]
        if "columns" not in include:
            return with_steps(out, after_get_table(out, None))
        if column_filter:
            needle = column_filter.lower()
            flat = [c for c in flat if needle in c.name.lower() or needle in (c.description or "").lower()]
            out.matching_columns = len(flat)
        if start > len(flat):
            raise ToolError(f"column_offset {start} is past the last column ({len(flat)} columns)")
        page = flat[start : start + (max_columns or self.page_size)]
        out.columns = [
            ColumnOut(
                name=c.name,
                data_type=c.data_type,
                description=clip(c.description, 300) if c.description else None,
                tags=c.tags,
                constraint=c.constraint,
                position=c.position,
            )
            for c in page
        ]
        out.column_offset = start
        single = flat[0].name if column_filter and len(flat) == 1 else None
        out = with_steps(out, after_get_table(out, single))
        same = f" and the same column_filter={column_filter!r}" if column_filter else ""
        return fit_page(
            out, "columns", self.budget_tokens, start, len(flat), same, "narrow with column_filter" * (not same)
        )

    def search_tables(self, query: str, limit: int, offset: int, cursor: str | None = None) -> SearchOut:
        if not query.strip():
            raise ToolError("query is empty; give words from a table name, its description or a column name")
        start = start_position(cursor, offset)
        page = self.backend.search(query, limit, start)
        hits = [
            SearchHit(
                fqn=h.fqn,
                description=clip(h.description, 200) if h.description else None,
                matched_on=explain_match(h, query),
                column_count=len(h.columns),
                owners=[o for o in h.owners if o],
                tier=h.tier,
            )
            for h in page.hits
        ]
        out = SearchOut(query=query, total=page.total, offset=start, hits=hits)
        out = with_steps(out, after_search(out))
        return fit_page(out, "hits", self.budget_tokens, start, page.total, limit_hint="raise limit")

    def suggest_columns(self, fqn: str, column: str, limit: int) -> SuggestOut:
        if not column.strip():
            raise ToolError("column is empty; give the column name from the error, e.g. r.open_date")
        doc, note = resolve_table(self.backend, fqn)
        flat = flatten_columns(doc.columns)
        known = {c.name.lower() for c in flat}
        name = looked_up_name(column, known)
        changes = schema_changes(self.backend.versions(doc))
        suggestions, history = suggest(flat, name, changes, limit)
        exists = name.lower() in known
        notes = [n for n in (note,) if n]
        if exists:
            notes.append(f"{name} exists in {doc.fqn}; the error is elsewhere (another table behind the alias?)")
        elif not suggestions:
            notes.append(f"no column of {doc.fqn} is close to {name}")
        out = SuggestOut(
            fqn=doc.fqn,
            column=column,
            looked_up=name,
            exists=exists,
            history=history,
            suggestions=suggestions,
            note="; ".join(notes) or None,
        )
        return with_steps(out, after_suggest(out))

    def schema_history(
        self, fqn: str, since: str | None, limit: int, column: str | None = None, cursor: str | None = None
    ) -> HistoryOut:
        if since is not None:
            since_filter(since)  # validate early, with a clear error
        start = start_position(cursor)
        doc, note = resolve_table(self.backend, fqn)
        docs = ordered_versions(self.backend.versions(doc))
        by_version = {format_version(d.version) or "?": d for d in docs}
        changes = schema_changes(docs)
        fate = None
        if column is not None:
            if not column.strip():
                raise ToolError("column is empty; give a column name, e.g. open_date, or leave column out")
            fate, changes = column_story(column, docs or [doc], changes)
        changes = [c for c in changes if keep_since(c, by_version, since)]
        notes = [n for n in (note,) if n]
        if len(docs) < 2:
            notes.append("only one version is stored, so there is nothing to compare")
        out = HistoryOut(
            fqn=doc.fqn,
            versions=[format_version(d.version) or "?" for d in docs],
            column=fate,
            changes=changes[start : start + limit],
            note="; ".join(notes) or None,
            next_steps=after_history(doc.fqn, fate, bool(changes)),
        )
        return fit_page(out, "changes", self.budget_tokens, start, len(changes), limit_hint="raise limit")

    def column_lineage(self, fqn: str, column: str, depth: int, cursor: str | None = None) -> LineageOut:
        start = start_position(cursor)
        doc, note = resolve_table(self.backend, fqn)
        flat = flatten_columns(doc.columns)
        known = {c.name.lower(): c.name for c in flat}
        name = looked_up_name(column, set(known))
        if name.lower() not in known:
            raise ToolError(
                f"{doc.fqn} has no column {name!r}; call suggest_columns({doc.fqn!r}, {column!r}) for the likely one"
            )
        name = known[name.lower()]
        raw = self.backend.lineage(doc, depth)
        if not raw:
            out = LineageOut(
                fqn=doc.fqn, column=name, upstream=[], downstream=[], note=f"no lineage is recorded for {doc.fqn}"
            )
            return with_steps(out, after_lineage(out))
        up, down, t_up, t_down = column_lineage(raw, doc.fqn, name, depth)
        notes = [n for n in (note,) if n]
        if not up and not down:
            notes.append(
                "no column-level lineage for this column"
                + ("; the table-level neighbours are listed" if t_up or t_down else "")
            )
        links = [("up", link) for link in up] + [("down", link) for link in down]
        if start > len(links):
            raise ToolError(f"cursor {start} is past the last link ({len(links)} links)")
        full = LineageOut(
            fqn=doc.fqn,
            column=name,
            upstream=up,
            downstream=down,
            table_level_upstream=t_up,
            table_level_downstream=t_down,
            note="; ".join(notes) or None,
        )
        page = _LinkPage.model_validate(
            {**full.model_dump(), "upstream": [], "downstream": [], "links": [link for _, link in links[start:]]}
        )
        page = fit_page(
            with_steps(page, after_lineage(full)), "links", self.budget_tokens, start, len(links), " and the same depth"
        )
        kept = links[start : start + len(page.links)]
        return LineageOut.model_validate(
            {
                **page.model_dump(exclude={"links", "next_steps_text"}),
                "upstream": [link.model_dump() for d, link in kept if d == "up"],
                "downstream": [link.model_dump() for d, link in kept if d == "down"],
            }
        )


class _LinkPage(LineageOut):
    """The lineage answer with upstream and downstream links as one list, so one cursor pages through both."""

    links: list[ColumnLink]
