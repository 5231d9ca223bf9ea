"""The ownership registry file: its schema, and loading with errors that name file, line and field.

The YAML is composed to a node tree first (keeping line marks), then constructed and validated with pydantic; a
validation error's `loc` is walked down the node tree to find the line it points at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from oncall_mcp.shared.paths import PathRefused, read_text_confined
from oncall_mcp.shared.vocabulary import ErrorCategory

ASSET_KINDS = ("tables", "schemas", "dags", "tasks", "s3", "paths")
TARGET_RE = r"^(dag_owner|upstream_owner|table_owner|platform|fallback|team:[A-Za-z0-9_.@/-]{1,100})$"
MAX_REGISTRY_BYTES = 20_000_000

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PatternStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Target = Annotated[str, StringConstraints(strip_whitespace=True, pattern=TARGET_RE)]


# libyaml's loader keeps line marks too and is ~20x faster on a 10,000-asset registry
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RegistryError(ValueError):
    """The registry cannot be used; the message names file, line and field of each problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Owns(_Strict):
    tables: list[PatternStr] = Field(default_factory=list, description="`catalog.schema.table` names or globs")
    schemas: list[PatternStr] = Field(default_factory=list, description="`catalog.schema` names or globs")
    dags: list[PatternStr] = Field(default_factory=list, description="DAG ids or globs")
    tasks: list[PatternStr] = Field(default_factory=list, description="`dag_id.task_id` or globs")
    s3: list[PatternStr] = Field(default_factory=list, description="S3 URIs or prefixes (`s3://bucket/prefix/`)")
    paths: list[PatternStr] = Field(default_factory=list, description="repository paths or globs")

    @field_validator("s3")
    @classmethod
    def _s3_uri(cls, values: list[str]) -> list[str]:
        for v in values:
            if not re.match(r"^s3a?://[^/\s]+", v):
                raise ValueError(f"{v!r} is not an S3 URI (s3://bucket/prefix)")
        return values


class TeamSpec(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    description: str = ""
    aliases: list[Name] = Field(default_factory=list)
    members: list[Name] = Field(default_factory=list)
    slack_channel: Annotated[str, StringConstraints(pattern=r"^(#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{6,20})$")] | None = None
    oncall_rotation: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,30}:\S.{0,199}$")] | None = None
    escalation: list[Name] = Field(default_factory=list)
    owns: Owns = Field(default_factory=Owns)


class When(_Strict):
    error_category: list[ErrorCategory] = Field(default_factory=list, description="any of these (empty: any)")
    dag_id: list[PatternStr] = Field(default_factory=list, description="DAG id globs (empty: any)")
    task_id: list[PatternStr] = Field(default_factory=list, description="task id globs (empty: any)")
    upstream_late: bool | None = Field(None, description="true: only when late upstreams were given")
    tables: bool | None = Field(None, description="true: only when tables were given")


class RuleSpec(_Strict):
    name: Name
    when: When = Field(default_factory=When)
    notify: list[Target] = Field(..., min_length=1, description="first target that resolves to a team is notified")
    cc: list[Target] = Field(default_factory=list)
    page: bool = False
    reason: str = ""

    @field_validator("notify", "cc", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class Defaults(_Strict):
    platform_team: Name | None = Field(None, description="gets permission and infrastructure errors")
    fallback_team: Name | None = Field(None, description="gets alerts nobody else owns")
    ignore_owners: list[Name] = Field(
        default_factory=lambda: ["airflow"], description="placeholder owners (Airflow's default `airflow`)"
    )


class RegistryFile(_Strict):
    version: Literal[1] = 1
    defaults: Defaults = Field(default_factory=Defaults)
    teams: list[TeamSpec] = Field(default_factory=list)
    routing: list[RuleSpec] = Field(default_factory=list)


class LoadedRegistry(BaseModel):
    """A validated registry plus where each element was written (for messages) and non-fatal warnings."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path
    spec: RegistryFile
    lines: dict[str, int] = Field(default_factory=dict, description="dotted loc -> line")
    warnings: list[str] = Field(default_factory=list)

    def line_of(self, *loc: str | int) -> int:
        return self.lines.get(_loc_key(loc), 0)

    def where(self, *loc: str | int) -> str:
        return f"{self.path.name}:{self.line_of(*loc)}"


def _loc_key(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _loc_label(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _node_at(root: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest node the pydantic `loc` reaches (a missing key stops at its parent mapping)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    nxt = value_node
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _index_lines(node: yaml.Node, prefix: tuple[Any, ...], out: dict[str, int]) -> None:
    out[_loc_key(prefix)] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _index_lines(value_node, (*prefix, key_node.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*prefix, i), out)


def _duplicate_keys(node: yaml.Node, prefix: tuple[Any, ...], path: Path, errors: list[str]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                errors.append(f"{path}:{line}: {_loc_label((*prefix, key))}: duplicate key (first at line {seen[key]})")
            seen.setdefault(key, line)
            _duplicate_keys(value_node, (*prefix, key), path, errors)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _duplicate_keys(item, (*prefix, i), path, errors)


def _compose(path: Path) -> tuple[yaml.Node | None, Any]:
    try:
        # a configured single file is its own root: trusted as configured, but only a regular file of bounded size
        text = read_text_confined(path, path, "registry", max_bytes=MAX_REGISTRY_BYTES)
    except PathRefused as exc:
        raise RegistryError(f"{path}: {exc}") from None
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the registry ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise RegistryError(f"{path}: registry is not UTF-8 text") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise RegistryError(f"{path}:{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return node, data


def load_registry(path: Path) -> LoadedRegistry:
    """Parse and validate; raise RegistryError listing up to 10 problems as `file:line: field: message`."""
    node, data = _compose(path)
    if node is None:
        data, node = {}, yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(data, dict):
        raise RegistryError(f"{path}:1: (top level): expected a mapping with `teams:`, got {type(data).__name__}")
    errors: list[str] = []
    _duplicate_keys(node, (), path, errors)
    try:
        spec = RegistryFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors()[:10]:
            loc = tuple(err["loc"])
            line = _node_at(node, loc).start_mark.line + 1
            errors.append(f"{path}:{line}: {_loc_label(loc)}: {err['msg']}")
        if exc.error_count() > 10:
            errors.append(f"... and {exc.error_count() - 10} more problems")
        raise RegistryError("invalid ownership registry:\n" + "\n".join(errors)) from None
    lines: dict[str, int] = {}
    _index_lines(node, (), lines)
    loaded = LoadedRegistry(path=path, spec=spec, lines=lines)
    errors += _cross_check(loaded)
    if errors:
        raise RegistryError("invalid ownership registry:\n" + "\n".join(errors[:10]))
    return loaded


def _cross_check(reg: LoadedRegistry) -> list[str]:
    """What pydantic cannot see alone: duplicate team names, references to teams that do not exist."""
    errors: list[str] = []
    names: dict[str, int] = {}
    for i, team in enumerate(reg.spec.teams):
        key = team.name.lower()
        if key in names:
            errors.append(
                f"{reg.path}:{reg.line_of('teams', i, 'name')}: teams[{i}].name: team {team.name!r} is defined twice "
                f"(first at line {reg.line_of('teams', names[key], 'name')})"
            )
        names.setdefault(key, i)
    for field_name in ("platform_team", "fallback_team"):
        value = getattr(reg.spec.defaults, field_name)
        if value and value.lower() not in names:
            errors.append(
                f"{reg.path}:{reg.line_of('defaults', field_name)}: defaults.{field_name}: unknown team {value!r}; "
                f"teams: {', '.join(sorted(names)) or 'none'}"
            )
    for i, rule in enumerate(reg.spec.routing):
        for field_name in ("notify", "cc"):
            for j, target in enumerate(getattr(rule, field_name)):
                if target.startswith("team:") and target[5:].lower() not in names:
                    errors.append(
                        f"{reg.path}:{reg.line_of('routing', i, field_name, j)}: routing[{i}].{field_name}[{j}]: "
                        f"unknown team {target[5:]!r}"
                    )
                if target == "platform" and not reg.spec.defaults.platform_team:
                    errors.append(
                        f"{reg.path}:{reg.line_of('routing', i, field_name, j)}: routing[{i}].{field_name}[{j}]: "
                        "target 'platform' needs defaults.platform_team"
                    )
    return errors
