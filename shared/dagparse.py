"""Find DAGs, tasks and owners in one Python file with `ast` only: the file is never imported or executed.

The one DAG parser of the suite (`github` locates task code with it, `ownership` reads DAG and task owners), so a
task has the same id on every server: the full Airflow task id, TaskGroup prefixes included.

Recognised: `with DAG(...)`, `x = DAG(...)`, `@dag` (its `dag_id=` or the function name), operator calls with
`task_id=`, `Op.partial(task_id=...)`, `@task`/`@task.<kind>` functions (and `.override(task_id=...)`),
`TaskGroup(...)` contexts and `@task_group` functions (their ids prefix the task ids, as Airflow does unless
`prefix_group_id=False`), dynamic task mapping (`.partial(...)`/`.expand(...)`, flagged `mapped`). Owners: a
task's `owner=`, else its TaskGroup's `default_args["owner"]`, else the DAG's `default_args["owner"]`;
`default_args` may be inline, a module-level name, `dict(...)` or `{**base, ...}`; `owner_links=` too. Ids built
from f-strings or names the parser cannot resolve become patterns (`etl_{x}` matches `etl_.+`); owners the parser
cannot resolve to a string are left unset, never guessed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

MAX_ARG_CHARS = 300
MAX_ARGS = 25
PATH_EXTENSIONS = (".sql", ".hql", ".sh", ".bash", ".py", ".json", ".yaml", ".yml", ".jar", ".R", ".scala")
DAG_DECORATORS = ("dag", "airflow.decorators.dag", "airflow.sdk.dag", "decorators.dag", "sdk.dag")


@dataclass
class Ident:
    text: str
    pattern: re.Pattern[str] | None = None

    def matches(self, value: str) -> bool:
        return self.text == value if self.pattern is None else bool(self.pattern.fullmatch(value))


@dataclass
class TaskDef:
    task_id: Ident
    operator: str
    start: int
    end: int
    args: dict[str, str] = field(default_factory=dict)
    strings: dict[str, list[str]] = field(default_factory=dict)
    group: str | None = None
    dag_ref: str | None = None
    dag_lexical: int | None = None
    owner: str | None = None  # the task's own owner: `owner=`, else its TaskGroup's default_args owner
    owner_line: int | None = None
    owner_from: str | None = None  # "task" or "task_group:<group id>"
    mapped: bool = False  # dynamic task mapping: `.partial(...)` / `.expand(...)`
    ambiguous: bool = False  # several DAGs in the file and nothing ties the task to one: listed under each
    params: dict[str, object] = field(default_factory=dict)  # literal `params={...}` (Param(default) → default)


@dataclass
class DagDef:
    dag_id: Ident
    start: int
    end: int
    var: str | None = None
    template_searchpath: list[str] = field(default_factory=list)
    tasks: list[TaskDef] = field(default_factory=list)
    ambiguous_tasks: bool = False
    owner: str | None = None  # default_args["owner"]: every task's owner unless the task or its group sets one
    owner_line: int | None = None
    owner_links: dict[str, str] = field(default_factory=dict)
    schedule: str | None = None  # `schedule=`/`schedule_interval=` as written ("@daily", "timedelta(days=1)", cron)
    params: dict[str, object] = field(default_factory=dict)  # literal `params={...}` (Param(default) → default)

    def task_owner(self, task: TaskDef) -> str | None:
        """The owner Airflow gives `task`: its own, else its group's default_args, else the DAG's default_args."""
        return task.owner or self.owner


@dataclass
class Group:
    group_id: str
    prefix: bool
    owner: str | None = None  # default_args["owner"] of the group
    owner_line: int | None = None


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return ""


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


class _Parser(ast.NodeVisitor):
    def __init__(self, source: str) -> None:
        self.source = source
        self.consts: dict[str, str] = {}
        self.names: dict[str, ast.expr] = {}
        self.dags: list[DagDef] = []
        self.dag_vars: dict[str, int] = {}
        self.group_vars: dict[str, Group] = {}
        self.task_funcs: dict[str, TaskDef] = {}
        self.tasks: list[TaskDef] = []
        self.dag_stack: list[int] = []
        self.groups: list[Group] = []
        self.mapped_calls: set[int] = set()

    # values -------------------------------------------------------------------------------------------------
    def text(self, node: ast.AST | None) -> Ident | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Ident(node.value)
        if isinstance(node, ast.Name) and node.id in self.consts:
            return Ident(self.consts[node.id])
        if isinstance(node, ast.JoinedStr | ast.BinOp):
            parts = self._parts(node)
            if parts is None:
                return None
            if all(isinstance(p, str) for p in parts):
                return Ident("".join(parts))  # type: ignore[arg-type]
            shown = "".join(p if isinstance(p, str) else "{…}" for p in parts)
            regex = "".join(re.escape(p) if isinstance(p, str) else ".+" for p in parts)
            return Ident(shown, re.compile(regex))
        return None

    def _parts(self, node: ast.AST) -> list[str | None] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name):
            return [self.consts.get(node.id)]
        if isinstance(node, ast.JoinedStr):
            out: list[str | None] = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    out.append(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    inner = value.value
                    out.append(self.consts.get(inner.id) if isinstance(inner, ast.Name) else None)
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._parts(node.left), self._parts(node.right)
            return None if left is None or right is None else left + right
        return [None]

    def strings(self, node: ast.AST) -> list[str]:
        if isinstance(node, ast.List | ast.Tuple):
            out = []
            for elt in node.elts:
                t = self.text(elt)
                if t and t.pattern is None:
                    out.append(t.text)
            return out
        t = self.text(node)
        return [t.text] if t and t.pattern is None else []

    def mapping(self, node: ast.AST | None, depth: int = 0) -> dict[str, ast.expr] | None:
        """A dict literal, `dict(...)`, `{**base, ...}` or a module-level name bound to one: key -> value node."""
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Name):
            return self.mapping(self.names.get(node.id), depth + 1)
        if isinstance(node, ast.Dict):
            out: dict[str, ast.expr] = {}
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    out.update(self.mapping(v, depth + 1) or {})
                    continue
                key = self.text(k)
                if key and key.pattern is None:
                    out[key.text] = v
            return out
        if isinstance(node, ast.Call) and dotted(node.func) == "dict" and len(node.args) <= 1:
            out = dict(self.mapping(node.args[0], depth + 1) or {}) if node.args else {}
            for kw in node.keywords:
                if kw.arg is None:
                    out.update(self.mapping(kw.value, depth + 1) or {})
                else:
                    out[kw.arg] = kw.value
            return out
        return None

    def literal_params(self, node: ast.AST | None) -> dict[str, object]:
        """`params={...}` values that are Python literals (a `Param(default, ...)` gives its default); others
        are left out, so a template that uses them shows them unresolved."""
        out: dict[str, object] = {}
        for key, value in (self.mapping(node) or {}).items():
            if isinstance(value, ast.Call) and _last(dotted(value.func)) == "Param":
                value = _kw(value, "default") or (value.args[0] if value.args else None)  # type: ignore[assignment]
                if value is None:
                    continue
            if isinstance(value, ast.Name) and value.id in self.consts:
                out[key] = self.consts[value.id]
                continue
            try:
                out[key] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
        return out

    def dag_schedule(self, call: ast.Call | None) -> str | None:
        node = (_kw(call, "schedule") or _kw(call, "schedule_interval")) if call is not None else None
        if node is None:
            return None
        t = self.text(node)
        return t.text if t and t.pattern is None else self.segment(node)

    def owner_of(self, node: ast.AST | None) -> tuple[str | None, int | None]:
        """A literal owner string (module constants resolved) and its line; (None, None) when computed."""
        t = self.text(node)
        if node is None or t is None or t.pattern is not None:
            return None, None
        return t.text, getattr(node, "lineno", None)

    def default_owner(self, call: ast.Call | None) -> tuple[str | None, int | None]:
        entries = self.mapping(_kw(call, "default_args")) if call is not None else None
        return self.owner_of(entries.get("owner")) if entries else (None, None)

    def segment(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.source, node) or ""
        return seg if len(seg) <= MAX_ARG_CHARS else seg[:MAX_ARG_CHARS] + f"… [+{len(seg) - MAX_ARG_CHARS} chars]"

    # recognisers --------------------------------------------------------------------------------------------
    @staticmethod
    def is_dag_call(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _last(dotted(node.func)) == "DAG"

    @staticmethod
    def is_group_call(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _last(dotted(node.func)) == "TaskGroup"

    def make_dag(self, call: ast.Call, start: int, end: int, var: str | None = None) -> int:
        node = _kw(call, "dag_id") or (call.args[0] if call.args else None)
        ident = self.text(node) or Ident("<unknown>", re.compile(r"(?!)"))
        searchpath = _kw(call, "template_searchpath")
        dag = DagDef(ident, start, end, var, self.strings(searchpath) if searchpath is not None else [])
        self.dag_owners(dag, call)
        self.dags.append(dag)
        if var:
            self.dag_vars[var] = len(self.dags) - 1
        return len(self.dags) - 1

    def dag_owners(self, dag: DagDef, call: ast.Call | None) -> None:
        dag.schedule = self.dag_schedule(call)
        dag.params = self.literal_params(_kw(call, "params")) if call is not None else {}
        dag.owner, dag.owner_line = self.default_owner(call)
        links = self.mapping(_kw(call, "owner_links")) if call is not None else None
        for name, node in (links or {}).items():
            link = self.text(node)
            if link and link.pattern is None:
                dag.owner_links[name] = link.text

    def make_group(self, call: ast.Call | None, default: str) -> Group:
        node = None
        prefix = True
        if call is not None:
            node = _kw(call, "group_id") or (call.args[0] if call.args else None)
            pfx = _kw(call, "prefix_group_id")
            prefix = not (isinstance(pfx, ast.Constant) and pfx.value is False)
        ident = self.text(node) if node is not None else Ident(default)
        owner, line = self.default_owner(call)
        return Group(ident.text if ident else default, prefix, owner, line)

    def prefix(self, extra: list[Group] | None = None) -> str | None:
        """Airflow's rule: a group's id is prefixed by its parent's id only if the parent prefixes its
        children; a task is prefixed by its innermost group's full id only if that group prefixes."""
        groups = [*self.groups, *(extra or [])]
        full: str | None = None
        parent_prefixes = True
        for g in groups:
            full = f"{full}.{g.group_id}" if full and parent_prefixes else g.group_id
            parent_prefixes = g.prefix
        return full if groups and groups[-1].prefix else None

    def add_task(
        self,
        ident: Ident,
        operator: str,
        start: int,
        end: int,
        call: ast.Call | None,
        extra_groups: list[Group] | None = None,
    ) -> TaskDef:
        groups = list(extra_groups or [])
        args: dict[str, str] = {}
        strings: dict[str, list[str]] = {}
        dag_ref = None
        owner, owner_line, owner_from = None, None, None
        if call is not None:
            for kw in call.keywords:
                if kw.arg is None or kw.arg == "task_id":
                    continue
                if kw.arg == "owner":
                    owner, owner_line = self.owner_of(kw.value)
                    owner_from = "task" if owner else None
                if kw.arg == "dag" and isinstance(kw.value, ast.Name):
                    dag_ref = kw.value.id
                if kw.arg == "task_group" and isinstance(kw.value, ast.Name) and kw.value.id in self.group_vars:
                    groups.append(self.group_vars[kw.value.id])
                if len(args) < MAX_ARGS:
                    args[kw.arg] = self.segment(kw.value)
                found = self.strings(kw.value)
                if found:
                    strings[kw.arg] = found
        pfx = self.prefix(groups)
        if pfx:
            regex = re.escape(pfx + ".") + (ident.pattern.pattern if ident.pattern else re.escape(ident.text))
            ident = Ident(f"{pfx}.{ident.text}", re.compile(regex) if ident.pattern else None)
        if owner is None:
            # Airflow merges default_args outer to inner: the innermost group that sets an owner wins
            for g in reversed([*self.groups, *groups]):
                if g.owner:
                    owner, owner_line, owner_from = g.owner, g.owner_line, f"task_group:{g.group_id}"
                    break
        task = TaskDef(
            ident,
            operator,
            start,
            end,
            args,
            strings,
            pfx,
            dag_ref,
            self.dag_stack[-1] if self.dag_stack else None,
            owner=owner,
            owner_line=owner_line,
            owner_from=owner_from,
            mapped=operator.endswith(".partial") or (call is not None and id(call) in self.mapped_calls),
            params=self.literal_params(_kw(call, "params")) if call is not None else {},
        )
        self.tasks.append(task)
        return task

    # visitors -----------------------------------------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> None:
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.names[stmt.targets[0].id] = stmt.value
                t = self.text(stmt.value)
                if t and t.pattern is None:
                    self.consts[stmt.targets[0].id] = t.text
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self.names[stmt.target.id] = stmt.value
                t = self.text(stmt.value)
                if t and t.pattern is None:
                    self.consts[stmt.target.id] = t.text
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        pushed_dags = pushed_groups = 0
        for item in node.items:
            expr, var = item.context_expr, item.optional_vars
            name = var.id if isinstance(var, ast.Name) else None
            if self.is_dag_call(expr):
                assert isinstance(expr, ast.Call)
                self.dag_stack.append(self.make_dag(expr, node.lineno, node.end_lineno or node.lineno, name))
                pushed_dags += 1
                self.visit_call_args(expr)
            elif self.is_group_call(expr):
                assert isinstance(expr, ast.Call)
                group = self.make_group(expr, name or "group")
                if name:
                    self.group_vars[name] = group
                self.groups.append(group)
                pushed_groups += 1
            elif isinstance(expr, ast.Name) and expr.id in self.dag_vars:
                self.dag_stack.append(self.dag_vars[expr.id])
                pushed_dags += 1
            elif isinstance(expr, ast.Name) and expr.id in self.group_vars:
                self.groups.append(self.group_vars[expr.id])
                pushed_groups += 1
            else:
                self.visit(expr)
        for stmt in node.body:
            self.visit(stmt)
        del self.dag_stack[len(self.dag_stack) - pushed_dags :]
        del self.groups[len(self.groups) - pushed_groups :]

    def visit_call_args(self, call: ast.Call) -> None:
        for arg in [*call.args, *(kw.value for kw in call.keywords)]:
            self.visit(arg)

    def visit_Assign(self, node: ast.Assign) -> None:
        target = node.targets[0] if len(node.targets) == 1 else None
        name = target.id if isinstance(target, ast.Name) else None
        if self.is_dag_call(node.value):
            assert isinstance(node.value, ast.Call)
            self.make_dag(node.value, node.lineno, node.end_lineno or node.lineno, name)
            self.visit_call_args(node.value)
            return
        if self.is_group_call(node.value) and name:
            assert isinstance(node.value, ast.Call)
            self.group_vars[name] = self.make_group(node.value, name)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = node.end_lineno or node.lineno
        for dec in node.decorator_list:
            name = dotted(dec)
            call = dec if isinstance(dec, ast.Call) else None
            last = _last(name)
            if last == "dag" and name in DAG_DECORATORS:
                dag_id = (
                    self.text(_kw(call, "dag_id") or (call.args[0] if call.args else None)) if call else None
                ) or Ident(node.name)
                searchpath = _kw(call, "template_searchpath") if call else None
                dag = DagDef(dag_id, start, end, None, self.strings(searchpath) if searchpath is not None else [])
                self.dag_owners(dag, call)
                self.dags.append(dag)
                self.dag_stack.append(len(self.dags) - 1)
                for stmt in node.body:
                    self.visit(stmt)
                self.dag_stack.pop()
                return
            if last == "task_group":
                self.groups.append(self.make_group(call, node.name) if call else Group(node.name, True))
                for stmt in node.body:
                    self.visit(stmt)
                self.groups.pop()
                return
            if name == "task" or name.startswith("task."):
                kind = name
                if kind.endswith(".override"):
                    continue
                ident = (self.text(_kw(call, "task_id")) if call else None) or Ident(node.name)
                task = self.add_task(ident, f"@{kind}", start, end, call)
                self.task_funcs[node.name] = task
                for stmt in node.body:
                    self.visit(stmt)
                return
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("expand", "expand_kwargs", "partial"):
            # dynamic task mapping: `Op.partial(task_id=...).expand(...)`, `fn.expand(...)`,
            # `fn.partial(...).expand(...)`, `fn.override(task_id=...).expand(...)`
            inner: ast.expr = func.value
            renamed = False
            while (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in ("partial", "override")
            ):
                self.mapped_calls.add(id(inner))
                renamed = renamed or _kw(inner, "task_id") is not None
                inner = inner.func.value
            decorated = self.task_funcs.get(dotted(inner))
            if decorated is not None and not renamed:
                decorated.mapped = True
        task_kw = _kw(node, "task_id")
        if task_kw is not None and not self.is_dag_call(node) and not self.is_group_call(node):
            ident = self.text(task_kw) or Ident(self.segment(task_kw), re.compile(r".+"))
            if isinstance(func, ast.Attribute) and func.attr == "override":
                base = dotted(func.value)
                decorated = self.task_funcs.get(base)
                op = decorated.operator if decorated else f"@task {base}"
                task = self.add_task(
                    ident, f"{op} (override of {base})", node.lineno, node.end_lineno or node.lineno, node
                )
                if task.owner_from != "task" and decorated is not None and decorated.owner_from == "task":
                    task.owner, task.owner_line, task.owner_from = decorated.owner, decorated.owner_line, "task"
            elif isinstance(func, ast.Attribute) and func.attr == "partial":
                self.add_task(ident, f"{dotted(func.value)}.partial", node.lineno, node.end_lineno or node.lineno, node)
            else:
                self.add_task(ident, dotted(func) or "<call>", node.lineno, node.end_lineno or node.lineno, node)
        self.generic_visit(node)


def parse_dag_file(source: str, filename: str = "<dag file>") -> list[DagDef]:
    """The DAGs a file defines, each with its tasks; raises SyntaxError (and ValueError/RecursionError on
    pathological input) so a caller can say why a file was skipped."""
    tree = ast.parse(source, filename=filename)
    parser = _Parser(source)
    parser.visit(tree)
    dags = parser.dags
    if not dags:
        return []
    for task in parser.tasks:
        if task.dag_ref and task.dag_ref in parser.dag_vars:  # an explicit `dag=` wins, as in Airflow
            dags[parser.dag_vars[task.dag_ref]].tasks.append(task)
        elif task.dag_lexical is not None:
            dags[task.dag_lexical].tasks.append(task)
        elif len(dags) == 1:
            dags[0].tasks.append(task)
        else:
            task.ambiguous = True
            for dag in dags:
                dag.tasks.append(task)
                dag.ambiguous_tasks = True
    return dags


def parse_dags(source: str) -> list[DagDef]:
    """The DAGs a file defines, each with its tasks; `[]` when the file has none or does not parse."""
    try:
        return parse_dag_file(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
