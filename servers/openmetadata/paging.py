"""One paging rule for every list this server returns.

A list is cut by the answer's token budget (`reason="budget"`) or by the tool's page size / `limit`
(`reason="limit"`). Either way `truncation.next_cursor` is the position of the first item left out, as a decimal
string, and the same tool called with the same arguments plus `cursor=<next_cursor>` continues there. Tools that
already had an offset argument (`get_table.column_offset`, `search_tables.offset`) keep it for jumping to a position;
the cursor and the offset are the same number, so a client may use either."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from oncall_mcp.shared.budget import Truncation, fit_model
from oncall_mcp.shared.errors import ToolError

M = TypeVar("M", bound=BaseModel)


def start_position(cursor: str | None, offset: int = 0, offset_name: str = "offset") -> int:
    """Where a page starts: the cursor when given (it must agree with a non-zero offset), else the offset."""
    if cursor is None or cursor == "":
        return offset
    if not cursor.isdigit() or len(cursor) > 9:
        raise ToolError(f"cursor={cursor!r} is not a cursor from this tool; pass truncation.next_cursor unchanged")
    position = int(cursor)
    if offset and offset != position:
        raise ToolError(f"cursor={cursor} and {offset_name}={offset} disagree; give only the cursor")
    return position


def fit_page(
    result: M,
    field: str,
    budget_tokens: int,
    start: int,
    total: int,
    same_arguments: str = "",
    limit_hint: str = "",
) -> M:
    """Fit `result.<field>` (the page starting at `start` of `total` items) into the budget and set the truncation."""
    fitted = fit_model(result, budget_tokens, [field])
    cut_by_budget = fitted.truncation.truncated  # type: ignore[attr-defined]
    end = start + len(getattr(fitted, field))
    if end >= total:
        return fitted
    more = f"continue with cursor={str(end)!r}{same_arguments}"
    if not cut_by_budget and limit_hint:
        more += f", or {limit_hint}"
    truncation = Truncation(
        truncated=True,
        reason="budget" if cut_by_budget else "limit",
        omitted=total - end,
        next_cursor=str(end),
        how_to_get_more=more,
    )
    return fitted.model_copy(update={"truncation": truncation})
