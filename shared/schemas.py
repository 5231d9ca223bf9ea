"""Tool schemas every LLM API accepts: pydantic's JSON Schema rewritten into a portable subset.

Gemini rejects `$ref`/`$defs`, `const` and `exclusiveMinimum/Maximum`; google-genai's MCP converter drops the
description of an optional parameter written as `anyOf[X, null]`; openai-agents leaves strict mode on a `$ref`.
`portable_schema` returns an equivalent schema (still valid JSON Schema 2020-12, so Claude is unaffected) with:
- every `$ref` inlined and `$defs` removed (a recursive reference becomes a described `{"type": "object"}`);
- `const: v` as `enum: [v]`;
- `exclusiveMinimum/Maximum` as `minimum/maximum` one step inside for integers; for numbers the bound is dropped
  and said in the description (the server still validates it);
- `anyOf[X, null]` as `X` with `type: [X's type, "null"]` (and `null` added to an `enum`), description kept; an
  `anyOf` that cannot be merged keeps its branches and gets the description inside each non-null one.
Validation is unchanged: arguments are validated by the tool's pydantic model, not by this schema.
"""

from __future__ import annotations

import copy
import math
from typing import Any

JSON = dict[str, Any]

_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_SINGLE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")


def portable_schema(schema: JSON) -> JSON:
    """The portable form of `schema` (a tool's input or output schema); `schema` itself is not changed."""
    defs: JSON = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    body = {k: v for k, v in schema.items() if k not in ("$defs", "definitions")}
    return _rewrite(copy.deepcopy(body), defs, ())


def _rewrite(node: Any, defs: JSON, resolving: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, defs, resolving) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        node = _inline(node, defs, resolving)
        name = node.pop("_from_ref", None)
        if name is None:
            return node
        resolving = (*resolving, name)
    out: JSON = {}
    for key, value in node.items():
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _rewrite(sub, defs, resolving) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_rewrite(sub, defs, resolving) for sub in value]
        elif key in _SUBSCHEMA_SINGLE and isinstance(value, dict):
            out[key] = _rewrite(value, defs, resolving)
        else:
            out[key] = value
    if "const" in out:
        value = out.pop("const")
        out.setdefault("enum", [value])
    _inclusive_bounds(out)
    if len(out.get("allOf", ())) == 1 and isinstance(out["allOf"][0], dict):
        out = {**out.pop("allOf")[0], **out}
    if isinstance(out.get("anyOf"), list):
        out = _nullable(out)
    return out


def _inline(node: JSON, defs: JSON, resolving: tuple[str, ...]) -> JSON:
    """The definition `node` refers to, merged with `node`'s own keys (a description next to a `$ref` wins)."""
    ref: str = node["$ref"]
    name = ref.rsplit("/", 1)[-1]
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    target = defs.get(name)
    if not ref.startswith("#/") or target is None:  # not ours to resolve: an open object
        return {"type": "object", **siblings}
    if name in resolving:  # a recursive model: keep its shape open rather than loop
        described = siblings.get("description") or target.get("description") or target.get("title") or name
        return {"type": "object", "description": str(described)}
    return {**copy.deepcopy(target), **siblings, "_from_ref": name}


def _inclusive_bounds(node: JSON) -> None:
    integer = node.get("type") == "integer"
    for exclusive, inclusive, step, word in (
        ("exclusiveMinimum", "minimum", 1, "greater"),
        ("exclusiveMaximum", "maximum", -1, "less"),
    ):
        if exclusive not in node:
            continue
        bound = node.pop(exclusive)
        if integer and isinstance(bound, int | float):
            value = math.floor(bound) + 1 if step > 0 else math.ceil(bound) - 1
            current = node.get(inclusive)
            node[inclusive] = value if current is None else (max if step > 0 else min)(current, value)
        else:
            note = f"must be {word} than {bound}"
            text = str(node.get("description", "")).rstrip()
            node["description"] = f"{text} ({note})" if text else note[0].upper() + note[1:]


def _nullable(node: JSON) -> JSON:
    branches: list[Any] = node["anyOf"]
    nulls = [b for b in branches if isinstance(b, dict) and b.get("type") == "null" and len(b) == 1]
    others = [b for b in branches if b not in nulls]
    if not nulls:
        return node
    outer = {k: v for k, v in node.items() if k != "anyOf"}
    if len(others) == 1 and _mergeable(others[0]):
        only: JSON = dict(others[0])
        kind = only["type"]
        merged = {**only, **outer}
        merged["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
        if "enum" in merged and None not in merged["enum"]:
            merged["enum"] = [*merged["enum"], None]
        return merged
    if "description" in outer:
        others = [
            {**b, "description": outer["description"]} if isinstance(b, dict) and "description" not in b else b
            for b in others
        ]
    return {**outer, "anyOf": [*others, *nulls]}


def _mergeable(branch: Any) -> bool:
    """A branch whose keywords can sit next to `type: [..., "null"]` without changing what it accepts."""
    return (
        isinstance(branch, dict)
        and isinstance(branch.get("type"), str | list)
        and not any(k in branch for k in ("anyOf", "oneOf", "allOf", "not", "$ref"))
    )
