"""Find DAGs and tasks in one Python file with `ast` only: the file is never imported or executed.

Recognised: `with DAG(...)`, `x = DAG(...)`, `@dag`, operator calls with `task_id=`, `Op.partial(task_id=...)`,
`@task`/`@task.<kind>` functions (and `.override(task_id=...)`), `TaskGroup(...)` contexts and `@task_group`
functions (their ids prefix the task ids, as Airflow does unless `prefix_group_id=False`). Ids built from
f-strings or names the parser cannot resolve become patterns (`etl_{x}` matches `etl_.+`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

MAX_ARG_CHARS = 300
MAX_ARGS = 25
PATH_EXTENSIONS = (".sql", ".hql", ".sh", ".bash", ".py", ".json", ".yaml", ".yml", ".jar", ".R", ".scala")


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


@dataclass
class DagDef:
    dag_id: Ident
    start: int
    end: int
    var: str | None = None
    template_searchpath: list[str] = field(default_factory=list)
    tasks: list[TaskDef] = field(default_factory=list)
    ambiguous_tasks: bool = False


@dataclass
class Group:
    group_id: str
    prefix: bool


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
        self.dags: list[DagDef] = []
        self.dag_vars: dict[str, int] = {}
        self.group_vars: dict[str, Group] = {}
        self.task_funcs: dict[str, TaskDef] = {}
        self.tasks: list[TaskDef] = []
        self.dag_stack: list[int] = []
        self.groups: list[Group] = []

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
        self.dags.append(dag)
        if var:
            self.dag_vars[var] = len(self.dags) - 1
        return len(self.dags) - 1

    def make_group(self, call: ast.Call | None, default: str) -> Group:
        node = None
        prefix = True
        if call is not None:
            node = _kw(call, "group_id") or (call.args[0] if call.args else None)
            pfx = _kw(call, "prefix_group_id")
            prefix = not (isinstance(pfx, ast.Constant) and pfx.value is False)
        ident = self.text(node) if node is not None else Ident(default)
        return Group(ident.text if ident else default, prefix)

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
        if call is not None:
            for kw in call.keywords:
                if kw.arg is None or kw.arg == "task_id":
                    continue
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
        task = TaskDef(
            ident, operator, start, end, args, strings, pfx, dag_ref, self.dag_stack[-1] if self.dag_stack else None
        )
        self.tasks.append(task)
        return task

    # visitors -----------------------------------------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> None:
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                t = self.text(stmt.value)
                if t and t.pattern is None:
                    self.consts[stmt.targets[0].id] = t.text
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
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
            if last == "dag" and name in ("dag", "airflow.decorators.dag", "airflow.sdk.dag", "decorators.dag"):
                dag_id = (
                    self.text(_kw(call, "dag_id") or (call.args[0] if call.args else None)) if call else None
                ) or Ident(node.name)
                searchpath = _kw(call, "template_searchpath") if call else None
                self.dags.append(
                    DagDef(dag_id, start, end, None, self.strings(searchpath) if searchpath is not None else [])
                )
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
        task_kw = _kw(node, "task_id")
        if task_kw is not None and not self.is_dag_call(node) and not self.is_group_call(node):
            ident = self.text(task_kw) or Ident(self.segment(task_kw), re.compile(r".+"))
            if isinstance(func, ast.Attribute) and func.attr == "override":
                base = dotted(func.value)
                decorated = self.task_funcs.get(base)
                op = decorated.operator if decorated else f"@task {base}"
                self.add_task(ident, f"{op} (override of {base})", node.lineno, node.end_lineno or node.lineno, node)
            elif isinstance(func, ast.Attribute) and func.attr == "partial":
                self.add_task(ident, f"{dotted(func.value)}.partial", node.lineno, node.end_lineno or node.lineno, node)
            else:
                self.add_task(ident, dotted(func) or "<call>", node.lineno, node.end_lineno or node.lineno, node)
        self.generic_visit(node)


def parse_dags(source: str) -> list[DagDef]:
    """The DAGs a file defines, each with its tasks; `[]` when the file has none or does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    parser = _Parser(source)
    try:
        parser.visit(tree)
    except RecursionError:
        return []
    dags = parser.dags
    if not dags:
        return []
    for task in parser.tasks:
        if task.dag_lexical is not None:
            dags[task.dag_lexical].tasks.append(task)
        elif task.dag_ref and task.dag_ref in parser.dag_vars:
            dags[parser.dag_vars[task.dag_ref]].tasks.append(task)
        elif len(dags) == 1:
            dags[0].tasks.append(task)
        else:
            for dag in dags:
                dag.tasks.append(task)
                dag.ambiguous_tasks = True
    return dags
