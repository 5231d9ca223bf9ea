"""Lenient view of OpenMetadata Table entities (works without the SDK) and optional validation with the SDK's models.

Both backends hand the domain logic a `TableDoc`, so everything above the backends is backend-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oncall_mcp.shared.errors import ToolError


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TagRef(_Lenient):
    tagFQN: str
    source: str | None = None
    labelType: str | None = None


class EntityRef(_Lenient):
    id: str | None = None
    type: str | None = None
    name: str | None = None
    fullyQualifiedName: str | None = None
    displayName: str | None = None


class ColumnDoc(_Lenient):
    name: str
    dataType: str = "UNKNOWN"
    dataTypeDisplay: str | None = None
    description: str | None = None
    tags: list[TagRef] = Field(default_factory=list)
    constraint: str | None = None
    ordinalPosition: int | None = None
    children: list[ColumnDoc] | None = None


class TableDoc(_Lenient):
    id: str | None = None
    name: str
    fullyQualifiedName: str | None = None
    description: str | None = None
    tableType: str | None = None
    version: float | None = None
    updatedAt: int | None = None
    updatedBy: str | None = None
    columns: list[ColumnDoc] = Field(default_factory=list)
    owners: list[EntityRef] | None = None
    tags: list[TagRef] | None = None
    deleted: bool | None = None

    @property
    def fqn(self) -> str:
        return self.fullyQualifiedName or self.name

    @property
    def tier(self) -> str | None:
        return next((t.tagFQN for t in self.tags or [] if t.tagFQN.startswith("Tier.")), None)


@dataclass(frozen=True, slots=True)
class FlatColumn:
    """One column, nested struct fields flattened to `parent.child` (a dataclass: tables have 1,000s of these)."""

    name: str
    data_type: str
    description: str | None
    tags: list[str]
    constraint: str | None
    position: int | None

    @property
    def type_key(self) -> str:
        return self.data_type.lower().replace(" ", "")


def flatten_columns(columns: list[ColumnDoc], prefix: str = "") -> list[FlatColumn]:
    out: list[FlatColumn] = []
    for col in columns:
        name = f"{prefix}{col.name}"
        out.append(
            FlatColumn(
                name=name,
                data_type=col.dataTypeDisplay or col.dataType,
                description=col.description,
                tags=[t.tagFQN for t in col.tags],
                constraint=col.constraint,
                position=col.ordinalPosition,
            )
        )
        if col.children:
            out += flatten_columns(col.children, prefix=f"{name}.")
    return out


def parse_table(raw: dict[str, Any], where: str) -> TableDoc:
    try:
        return TableDoc.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ToolError(f"{where}: not a Table entity (field {loc}: {first['msg']})") from None


def format_version(version: float | None) -> str | None:
    return None if version is None else f"{version:.1f}"


def iso_ms(epoch_ms: int | None) -> str | None:
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
