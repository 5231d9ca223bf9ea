"""Output budget: keep every tool answer near a token budget and say what was cut and how to get the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Rough token count (about 4 characters a token for English, code and logs)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


class Truncation(BaseModel):
    """Present on an answer that was cut to fit the budget."""

    truncated: bool = False
    omitted: int = Field(0, description="items (lines, rows, nodes...) left out")
    how_to_get_more: str = ""


def clip(text: str, max_chars: int) -> str:
    """Cut one long text (a 50 MB log line, a huge diff) and say how much was cut."""
    if len(text) <= max_chars:
        return text
    cut = len(text) - max_chars
    return f"{text[:max_chars]}… [+{cut} chars cut]"


def fit(
    items: Sequence[T] | Iterable[T],
    max_tokens: int,
    size: Callable[[T], int] | None = None,
    how_to_get_more: str = "",
) -> tuple[list[T], Truncation]:
    """Keep items in order while their estimated tokens fit in `max_tokens` (always at least one)."""
    size = size or (lambda item: estimate_tokens(item if isinstance(item, str) else str(item)))
    kept: list[T] = []
    used = 0
    items = list(items)
    for item in items:
        cost = size(item)
        if kept and used + cost > max_tokens:
            break
        kept.append(item)
        used += cost
    omitted = len(items) - len(kept)
    return kept, Truncation(truncated=omitted > 0, omitted=omitted, how_to_get_more=how_to_get_more if omitted else "")
