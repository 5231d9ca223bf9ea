"""Render a task's SQL template for one run, the way Airflow would, without executing anything from it.

Jinja's `ImmutableSandboxedEnvironment` (no `_`/dunder attributes, no mutation of lists or dicts) plus limits the
sandbox does not give: no Python objects but the run's dates, `params`, `macros.ds_add/ds_format/datetime/
timedelta` and a small `range`; an allowlist of filters; no `{% macro %}`, `{% call %}`, `{% set %}…{% endset %}`,
`{% filter %}`, `{% import %}` or `{% extends %}` (their output is captured where the output cap cannot see it);
size checks on every operation that can grow a value (`*`, `**`, `+`, `%`, `~`, calls, `join`, `replace`); a
step budget and a time limit on the template's own code (a tracer on its frames); a cap on the output. Names the
template uses that this context does not have (Airflow Variables, Connections, `ti`, ...) stay visible as
`{{ name }}` placeholders and are listed."""

from __future__ import annotations

import contextvars
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType, SimpleNamespace
from typing import Any

from jinja2 import TemplateNotFound, TemplateSyntaxError, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.loaders import BaseLoader
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from oncall_mcp.servers.github.models import RunDates

MAX_TEMPLATE_CHARS = 64_000
MAX_VALUE_CHARS = 100_000
MAX_ITEMS = 10_000
MAX_RANGE = 1_000
MAX_INT_ARG = 10_000_000
MAX_INT_BITS = 256
MAX_OUTPUT_CHARS = 1_000_000
MAX_STEPS = 200_000
MAX_SECONDS = 2.0
MAX_INCLUDES = 20

REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.AssignBlock: "{% set %}…{% endset %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
}
ALLOWED_FILTERS = frozenset(
    {
        *("abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "last", "length"),
        *("list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round", "safe", "select"),
        *("selectattr", "sort", "string", "title", "tojson", "trim", "truncate", "unique", "upper"),
    }
)
_RUN_ID = re.compile(
    r"^[a-z_]+__(?P<date>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)"
)
_WIDE_FORMAT = re.compile(r"%[^a-zA-Z%]*?(\*|\d{7,})")
_PRESETS: dict[str, timedelta | str] = {
    "@hourly": timedelta(hours=1),
    "@daily": timedelta(days=1),
    "@weekly": timedelta(days=7),
    "@monthly": "month",
    "@quarterly": "quarter",
    "@yearly": "year",
    "@annually": "year",
}
_TIMEDELTA = re.compile(r"^(?:datetime\.)?timedelta\((?P<args>[^()]*)\)$")

_placeholders: contextvars.ContextVar[list[str]] = contextvars.ContextVar("placeholders")


class RenderRefused(Exception):
    """The template tried something the renderer does not allow (or ran out of budget); nothing was executed."""


# the run's dates --------------------------------------------------------------------------------------------------
def parse_instant(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not an ISO 8601 date or datetime") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def logical_date_of(run_id: str) -> datetime:
    """Airflow run ids carry the date: `scheduled__2024-05-01T00:00:00+00:00`, `manual__…`, `backfill__…`."""
    m = _RUN_ID.match(run_id.strip())
    if not m:
        raise ValueError(
            f"run_id {run_id!r} does not carry a date (expected like scheduled__2024-05-01T00:00:00+00:00); "
            "pass logical_date instead"
        )
    return parse_instant(m["date"], "run_id date")


def _add_months(value: datetime, months: int) -> datetime:
    total = value.month - 1 + months
    return value.replace(year=value.year + total // 12, month=total % 12 + 1)


def interval_end(start: datetime, schedule: str | None) -> datetime | None:
    """The end of the data interval for preset and timedelta schedules; None for cron (not computed here)."""
    if not schedule:
        return None
    text = schedule.strip().strip("'\"")
    preset = _PRESETS.get(text)
    if isinstance(preset, timedelta):
        return start + preset
    if preset is not None:
        return _add_months(start, {"month": 1, "quarter": 3, "year": 12}[preset])
    m = _TIMEDELTA.match(text)
    if m:
        parts = [p.split("=") for p in m["args"].replace(" ", "").split(",") if p]
        try:
            return start + timedelta(**{k: float(v) for k, v in parts})
        except (TypeError, ValueError):
            return None
    return None


def run_dates(logical_date: str | None, run_id: str | None, schedule: str | None) -> RunDates | None:
    if logical_date:
        start, source = parse_instant(logical_date, "logical_date"), "the logical_date argument"
    elif run_id:
        start, source = logical_date_of(run_id), f"run_id {run_id}"
    else:
        return None
    end = interval_end(start, schedule)
    return RunDates(
        logical_date=start.isoformat(),
        data_interval_start=start.isoformat(),
        data_interval_end=end.isoformat() if end else None,
        source=source,
    )


# macros -----------------------------------------------------------------------------------------------------------
def ds_add(ds: str, days: int) -> str:
    return (datetime.strptime(ds, "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    return datetime.strptime(str(ds), input_format).strftime(output_format)


class AirflowDateTime(datetime):
    """Prints like Airflow's pendulum datetimes do: ISO 8601 with a `T`."""

    def __str__(self) -> str:
        return self.isoformat()


MACROS = SimpleNamespace(ds_add=ds_add, ds_format=ds_format, datetime=datetime, timedelta=timedelta)


def context_for(dates: RunDates, run_id: str | None, dag_id: str, task_id: str, params: dict[str, Any]) -> dict:
    start = AirflowDateTime.fromisoformat(dates.logical_date)
    ctx: dict[str, Any] = {
        "ds": start.strftime("%Y-%m-%d"),
        "ds_nodash": start.strftime("%Y%m%d"),
        "ts": start.isoformat(),
        "ts_nodash": start.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": start.isoformat().replace("-", "").replace(":", ""),
        "logical_date": start,
        "data_interval_start": start,
        "macros": MACROS,
        "params": params,
        "dag": {"dag_id": dag_id},
        "task": {"task_id": task_id},
    }
    if dates.data_interval_end:
        ctx["data_interval_end"] = AirflowDateTime.fromisoformat(dates.data_interval_end)
    if run_id:
        ctx["run_id"] = run_id
    return ctx


# the environment --------------------------------------------------------------------------------------------------
class Placeholder(Undefined):
    """An unknown name renders as itself, `{{ var.value.bucket }}`, and attribute access keeps the path."""

    __slots__ = ()

    def _expr(self) -> str:
        name = self._undefined_name or "?"
        known = self._undefined_obj is missing or isinstance(self._undefined_obj, Placeholder)
        return name if known else f"….{name}"

    def __str__(self) -> str:
        expr = self._expr()
        seen = _placeholders.get(None)
        if seen is not None and expr not in seen:
            seen.append(expr)
        return "{{ " + expr + " }}"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return Placeholder(name=f"{self._expr()}.{name}")

    def __getitem__(self, key: object) -> Any:
        if isinstance(key, str) and key.startswith("_"):
            raise SecurityError(f"access to {key!r} is unsafe")
        return Placeholder(name=f"{self._expr()}[{_short_repr(key)}]")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        shown = [_short_repr(a) for a in args] + [f"{k}={_short_repr(v)}" for k, v in kwargs.items()]
        return Placeholder(name=f"{self._expr()}({', '.join(shown)})")


def _short_repr(value: object) -> str:
    text = repr(value) if not isinstance(value, Placeholder) else value._expr()
    return text if len(text) <= 80 else text[:80] + "…"


def _size(value: object, depth: int = 0) -> int:
    """Characters `value` turns into when printed, estimated without building the string."""
    if depth > 8:
        raise RenderRefused("refused: a value nested deeper than 8 levels")
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple | set | frozenset):
        if len(value) > MAX_ITEMS:
            raise RenderRefused(f"refused: a list of more than {MAX_ITEMS} items")
        return 2 + sum(_size(v, depth + 1) + 2 for v in value)
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise RenderRefused(f"refused: a mapping of more than {MAX_ITEMS} items")
        return 2 + sum(_size(k, depth + 1) + _size(v, depth + 1) + 4 for k, v in value.items())
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise RenderRefused(f"refused: an integer over {MAX_INT_BITS} bits")
    return 32


def _check(value: Any) -> Any:
    if _size(value) > MAX_VALUE_CHARS:
        raise RenderRefused(f"refused: a value grew past {MAX_VALUE_CHARS} characters")
    return value


def checked_concat(parts: tuple[Any, ...]) -> str:
    if sum(_size(p) for p in parts) > MAX_VALUE_CHARS:
        raise RenderRefused(f"refused: a `~` concatenation grew past {MAX_VALUE_CHARS} characters")
    return "".join(str(p) for p in parts)


def _join(value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(value)[: MAX_ITEMS + 1]
    if attribute is not None:
        raise RenderRefused("refused: join(attribute=…) is not supported here")
    if len(items) > MAX_ITEMS or sum(_size(i) for i in items) + len(d) * len(items) > MAX_VALUE_CHARS:
        raise RenderRefused(f"refused: a join grew past {MAX_VALUE_CHARS} characters")
    return str(d).join(str(i) for i in items)


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    growth = text.count(str(old)) * max(0, len(str(new)) - len(str(old))) if old else len(text) * len(str(new))
    if len(text) + growth > MAX_VALUE_CHARS:
        raise RenderRefused(f"refused: a replace grew past {MAX_VALUE_CHARS} characters")
    return text.replace(str(old), str(new), -1 if count is None else count)


def _range(*args: int) -> range:
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise RenderRefused(f"refused: range() of more than {MAX_RANGE} items")
    return values


class _Codegen(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class SqlSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _Codegen
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, loader: BaseLoader | None = None) -> None:
        super().__init__(loader=loader, undefined=Placeholder, autoescape=False, finalize=_check)
        self.globals.clear()
        self.globals["range"] = _range
        self.filters = {name: self.filters[name] for name in ALLOWED_FILTERS}
        self.filters["join"] = _join
        self.filters["replace"] = _replace
        self.tests = dict(self.tests)
        self.checked_concat = checked_concat

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_"):
            raise SecurityError(f"access to attribute {attribute!r} is unsafe")
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str) and argument.startswith("_"):
            raise SecurityError(f"access to item {argument!r} is unsafe")
        return super().getitem(obj, argument)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is unsafe")

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in ("format", "format_map", "expandtabs"):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(n, int)
                    and len(seq) * max(n, 0) > MAX_VALUE_CHARS
                ):
                    raise RenderRefused(f"refused: `*` would build more than {MAX_VALUE_CHARS} characters/items")
        if operator == "**" and (not isinstance(right, int | float) or abs(right) > 64):
            raise RenderRefused("refused: `**` with an exponent over 64")
        if operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise RenderRefused("refused: a `%` format with a computed or huge width")
        if operator == "+" and _size(left) + _size(right) > MAX_VALUE_CHARS:
            raise RenderRefused(f"refused: `+` would build more than {MAX_VALUE_CHARS} characters")
        return _check(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT_ARG:
                raise RenderRefused(f"refused: a call with the number {value} (over {MAX_INT_ARG})")
            _check(value)
        name = getattr(__obj, "__name__", "")
        if isinstance(getattr(__obj, "__self__", None), str) and name in ("replace", "join"):
            if name == "replace" and len(args) >= 2:
                _replace(__obj.__self__, args[0], args[1])
            if name == "join" and args:
                _join(args[0], __obj.__self__)
        return _check(super().call(__context, __obj, *args, **kwargs))


def refused_tags(env: SqlSandbox, source: str, name: str | None = None) -> list[str]:
    tree = env.parse(source, name=name)
    return sorted({label for kind, label in REFUSED_TAGS.items() for _ in tree.find_all(kind)})


class RepoLoader(BaseLoader):
    """`{% include 'x.sql' %}` reads from the repo at the same commit, resolved like the task's own SQL file."""

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self.read = read
        self.loaded: list[str] = []

    def get_source(self, environment: Any, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        if len(self.loaded) >= MAX_INCLUDES:
            raise RenderRefused(f"refused: more than {MAX_INCLUDES} includes")
        source = self.read(template)
        if source is None:
            raise TemplateNotFound(template)
        if len(source) > MAX_TEMPLATE_CHARS:
            raise RenderRefused(f"refused: included template {template!r} is over {MAX_TEMPLATE_CHARS} characters")
        tags = refused_tags(environment, source, template)
        if tags:
            raise RenderRefused(f"refused: included template {template!r} uses {', '.join(tags)}")
        self.loaded.append(template)
        return source, None, lambda: True


class _Budget:
    """Counts the line events of the template's own frames and stops it when the steps or the time run out."""

    def __init__(self, env: SqlSandbox) -> None:
        self.env = env
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_globals.get("environment") is self.env:
            return self.local_trace
        return None

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise RenderRefused(f"refused: the template ran more than {MAX_STEPS} steps (a loop bomb?)")
        if self.steps % 1000 == 0 and time.monotonic() > self.deadline:
            raise RenderRefused(f"refused: rendering took longer than {MAX_SECONDS:.0f}s")
        return self.local_trace


def _bounded(chunks: Iterator[str]) -> str:
    out: list[str] = []
    used = 0
    for chunk in chunks:
        used += len(chunk)
        if used > MAX_OUTPUT_CHARS:
            raise RenderRefused(f"refused: the rendered SQL grew past {MAX_OUTPUT_CHARS} characters")
        out.append(chunk)
    return "".join(out)


def render(
    source: str, context: dict[str, Any], read_include: Callable[[str], str | None] | None = None
) -> tuple[str, list[str]]:
    """(rendered text, placeholders left visible). Raises RenderRefused with a note the caller can show."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise RenderRefused(f"not rendered: the template is over {MAX_TEMPLATE_CHARS} characters")
    env = SqlSandbox(RepoLoader(read_include) if read_include else None)
    seen: list[str] = []
    token = _placeholders.set(seen)
    budget = _Budget(env)
    previous = sys.gettrace()
    try:
        tags = refused_tags(env, source)
        if tags:
            raise RenderRefused(f"refused: the template uses {', '.join(tags)}, which this renderer does not run")
        template = env.from_string(source)
        sys.settrace(budget.global_trace)
        try:
            text = _bounded(template.generate(context))
        finally:
            sys.settrace(previous)
    except RenderRefused:
        raise
    except SecurityError as exc:
        raise RenderRefused(f"refused by the sandbox: {_clip(str(exc))}") from None
    except TemplateNotFound as exc:
        raise RenderRefused(f"not rendered: included template {_clip(str(exc))} is not in the repo") from None
    except TemplateSyntaxError as exc:
        raise RenderRefused(
            f"not rendered: the template does not parse (line {exc.lineno}: {_clip(exc.message or '')})"
        ) from None
    except RecursionError:
        raise RenderRefused("refused: the template recursed too deeply") from None
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise RenderRefused(f"not rendered: {type(exc).__name__}: {_clip(str(exc))}") from None
    finally:
        _placeholders.reset(token)
    return text, seen


def _clip(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"
