"""Output budget: keep every tool answer near a token budget and say what was cut and how to get the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Rough token count (about 4 characters a token for English, code and logs)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


class Truncation(BaseModel):
    """The one truncation contract of every tool result: was the answer cut, why, and how to get the rest."""

    truncated: bool = False
    reason: Literal["budget", "limit", "time", "size"] | None = Field(
        None,
        description="what cut the answer: budget = the answer's token budget (page on with next_cursor or narrow the "
        "request), limit = the limit argument, time = the time limit, size = a byte/line cap of the source",
    )
    omitted: int | None = Field(None, description="items (lines, rows, nodes...) left out, when known")
    next_cursor: str | None = Field(None, description="pass as `cursor` to the same tool to get the next page")
    how_to_get_more: str = ""


def clip(text: str, max_chars: int) -> str:
    """Cut one long text (a 50 MB log line, a huge diff) and say how much was cut."""
    if len(text) <= max_chars:
        return text
    cut = len(text) - max_chars
    return f"{text[:max_chars]}… [+{cut} chars cut]"


def fit(
    items: Sequence[T] | Iterable[T],
    budget_tokens: int,
    size: Callable[[T], int] | None = None,
    how_to_get_more: str = "",
) -> tuple[list[T], Truncation]:
    """Keep items in order while their estimated tokens fit in `budget_tokens` (always at least one)."""
    size = size or (lambda item: estimate_tokens(item if isinstance(item, str) else str(item)))
    kept: list[T] = []
    used = 0
    items = list(items)
    for item in items:
        cost = size(item)
        if kept and used + cost > budget_tokens:
            break
        kept.append(item)
        used += cost
    omitted = len(items) - len(kept)
    if not omitted:
        return kept, Truncation()
    return kept, Truncation(truncated=True, reason="budget", omitted=omitted, how_to_get_more=how_to_get_more)


def model_tokens(model: BaseModel) -> int:
    return estimate_tokens(model.model_dump_json())


def fit_model(
    result: M,
    budget_tokens: int,
    fields: Sequence[str],
    how_to_get_more: str = "",
    next_cursor: Callable[[str, int], str | None] | None = None,
) -> M:
    """Fit a result model into `budget_tokens` by keeping a prefix of each list field named in `fields`.

    Fields are filled in the order given (the first is the most important); each keeps at least one item when it had
    any. Sets `result.truncation` (the shared `Truncation`) when something was left out; `next_cursor(field, kept)`
    may name where the next page starts; without a `how_to_get_more` the hint is then "continue with cursor=…"."""
    lists: dict[str, list[Any]] = {name: list(getattr(result, name)) for name in fields}
    if model_tokens(result) <= budget_tokens:
        return result
    trimmed = result.model_copy(update={name: [] for name in fields})
    used = model_tokens(trimmed)
    kept: dict[str, list[Any]] = {name: [] for name in fields}
    omitted = 0
    cut_field: str | None = None
    for name in fields:
        items = lists[name]
        for i, item in enumerate(items):
            cost = estimate_tokens(item.model_dump_json() if isinstance(item, BaseModel) else repr(item)) + 1
            if kept[name] and used + cost > budget_tokens:
                omitted += len(items) - i
                cut_field = cut_field or name
                break
            kept[name].append(item)
            used += cost
    cursor = next_cursor(cut_field, len(kept[cut_field])) if next_cursor and cut_field else None
    if omitted and not how_to_get_more and cursor:
        how_to_get_more = f"continue with cursor={cursor}"
    truncation = Truncation(
        truncated=omitted > 0,
        reason="budget" if omitted else None,
        omitted=omitted or None,
        next_cursor=cursor,
        how_to_get_more=how_to_get_more if omitted else "",
    )
    update: dict[str, Any] = dict(kept)
    if "truncation" in type(result).model_fields:
        update["truncation"] = truncation
    return result.model_copy(update=update)
