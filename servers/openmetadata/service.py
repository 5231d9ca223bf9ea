"""What each tool does, backend-neutral; `server.py` only declares the tools and delegates here."""

from __future__ import annotations

from oncall_mcp.servers.openmetadata.backend import Backend
from oncall_mcp.servers.openmetadata.catalog import CatalogBackend
from oncall_mcp.servers.openmetadata.entities import flatten_columns, format_version, iso_ms
from oncall_mcp.servers.openmetadata.history import keep_since, ordered_versions, schema_changes, since_filter
from oncall_mcp.servers.openmetadata.lineage import column_lineage
from oncall_mcp.servers.openmetadata.models import (
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
from oncall_mcp.servers.openmetadata.resolve import resolve_table
from oncall_mcp.servers.openmetadata.search import explain_match
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from oncall_mcp.servers.openmetadata.suggest import looked_up_name, suggest
from oncall_mcp.shared.budget import clip, estimate_tokens, fit
from oncall_mcp.shared.errors import ToolError

HEADER_TOKENS = 350  # room kept for the non-list fields of an answer


def build_backend(settings: OpenMetadataSettings) -> Backend:
    if settings.catalog is not None:
        return CatalogBackend(settings.catalog, validate=settings.validate_catalog)
    assert settings.host and settings.token  # guaranteed by settings validation
    return OpenMetadataBackend(settings.host, settings.token, settings.timeout_seconds, settings.verify_version)


def _size(model: ColumnOut | SearchHit) -> int:
    return estimate_tokens(model.model_dump_json(exclude_none=True))


class MetadataService:
    def __init__(self, backend: Backend, budget_tokens: int, page_size: int) -> None:
        self.backend = backend
        self.budget = budget_tokens
        self.page_size = page_size

    def get_table(
        self,
        fqn: str,
        include: list[IncludePart],
        column_offset: int,
        max_columns: int | None,
        column_filter: str | None,
    ) -> TableOut:
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
        if "columns" in include:
            if column_filter:
                needle = column_filter.lower()
                flat = [c for c in flat if needle in c.name.lower() or needle in (c.description or "").lower()]
                out.matching_columns = len(flat)
            if column_offset > len(flat):
                raise ToolError(f"column_offset {column_offset} is past the last column ({len(flat)} columns)")
            page = flat[column_offset : column_offset + (max_columns or self.page_size)]
            cols = [
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
            header = estimate_tokens(out.model_dump_json(exclude_none=True))
            kept, _ = fit(cols, max(self.budget - header - HEADER_TOKENS, 100), size=_size)
            out.columns = kept
            out.column_offset = column_offset
            end = column_offset + len(kept)
            if end < len(flat):
                out.next_column_offset = end
                out.truncation.truncated = True
                out.truncation.omitted = len(flat) - end
                same = (
                    f" and the same column_filter={column_filter!r}"
                    if column_filter
                    else ", or narrow with column_filter"
                )
                out.truncation.how_to_get_more = f"call get_table again with column_offset={end}{same}"
        return out

    def search_tables(self, query: str, limit: int, offset: int) -> SearchOut:
        if not query.strip():
            raise ToolError("query is empty; give words from a table name, its description or a column name")
        page = self.backend.search(query, limit, offset)
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
        kept, trunc = fit(hits, max(self.budget - HEADER_TOKENS, 100), size=_size)
        seen = offset + len(kept)
        out = SearchOut(query=query, total=page.total, hits=kept, next_offset=seen if seen < page.total else None)
        if trunc.truncated:
            trunc.how_to_get_more = f"call search_tables again with offset={seen}"
        out.truncation = trunc
        return out

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
        if exists:
            step = (
                f"{name} exists in {doc.fqn}; the error is elsewhere — check which table the alias refers to "
                "(github server: the SQL) or whether the query runs against another catalog"
            )
        elif suggestions:
            step = (
                f"replace {name} with {suggestions[0].name} in the SQL and validate it with the trino server's "
                f"EXPLAIN; schema_history({doc.fqn!r}) shows when the schema changed"
            )
        else:
            step = f"no close column; call get_table({doc.fqn!r}) to read the whole schema"
        if note:
            step = f"{note}. {step}"
        return SuggestOut(
            fqn=doc.fqn,
            column=column,
            looked_up=name,
            exists=exists,
            history=history,
            suggestions=suggestions,
            next_step=step,
        )

    def schema_history(self, fqn: str, since: str | None, limit: int) -> HistoryOut:
        if since is not None:
            since_filter(since)  # validate early, with a clear error
        doc, note = resolve_table(self.backend, fqn)
        docs = ordered_versions(self.backend.versions(doc))
        by_version = {format_version(d.version) or "?": d for d in docs}
        changes = [c for c in schema_changes(docs) if keep_since(c, by_version, since)]
        kept, trunc = fit(
            changes[:limit],
            max(self.budget - HEADER_TOKENS, 100),
            size=lambda c: estimate_tokens(c.model_dump_json(exclude_none=True)),
        )
        omitted = len(changes) - len(kept)
        if omitted:
            trunc.truncated, trunc.omitted = True, omitted
            oldest = kept[-1].version if kept else None
            trunc.how_to_get_more = (
                f"older changes left out; call again with since set to an older version than {oldest}, or raise limit"
                if oldest
                else "raise limit"
            )
        notes = [n for n in (note,) if n]
        if len(docs) < 2:
            notes.append("only one version is stored, so there is nothing to compare")
        return HistoryOut(
            fqn=doc.fqn,
            versions=[format_version(d.version) or "?" for d in docs],
            changes=kept,
            truncation=trunc,
            note="; ".join(notes) or None,
        )

    def column_lineage(self, fqn: str, column: str, depth: int) -> LineageOut:
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
            return LineageOut(
                fqn=doc.fqn, column=name, upstream=[], downstream=[], note=f"no lineage is recorded for {doc.fqn}"
            )
        up, down, t_up, t_down = column_lineage(raw, doc.fqn, name, depth)
        links = [("up", link) for link in up] + [("down", link) for link in down]
        kept, trunc = fit(
            links,
            max(self.budget - HEADER_TOKENS, 100),
            size=lambda x: estimate_tokens(x[1].model_dump_json(exclude_none=True)),
        )
        if trunc.truncated:
            trunc.how_to_get_more = "call again with a smaller depth"
        notes = [n for n in (note,) if n]
        if not up and not down:
            notes.append(
                "no column-level lineage for this column"
                + ("; the table-level neighbours are listed" if t_up or t_down else "")
            )
        return LineageOut(
            fqn=doc.fqn,
            column=name,
            upstream=[link for d, link in kept if d == "up"],
            downstream=[link for d, link in kept if d == "down"],
            table_level_upstream=t_up,
            table_level_downstream=t_down,
            truncation=trunc,
            note="; ".join(notes) or None,
        )
