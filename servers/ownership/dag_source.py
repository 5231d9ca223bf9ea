"""Airflow DAG owners read from DAG files with `ast` only: DAG files are never imported or executed.

Understood: `with DAG(...)`, `dag = DAG(...)`, `@dag(...)`-decorated functions; `default_args` inline, by module-level
name, `dict(...)` and `{**base, ...}`; `owner_links=`; task-level `owner=` on operators and `@task(...)`; tasks tied to
a DAG by the enclosing `with`/`@dag` body, by `dag=<name>`, or by being the only DAG in the file. Anything computed at
run time (owners from a function call, f-strings) is not guessed.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 2_000_000
MAX_FILES = 20_000


@dataclass
class TaskOwner:
    task_id: str
    owners: list[str]
    line: int


@dataclass
class DagInfo:
    dag_id: str
    file: Path
    line: int
    owners: list[str] = field(default_factory=list)  # default_args owner, split on commas
    owner_line: int = 0
    owner_links: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, TaskOwner] = field(default_factory=dict)


def split_owners(value: str) -> list[str]:
    return [o.strip() for o in value.split(",") if o.strip()]


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


class _Evaluator:
    """Literal evaluation with module-level names resolved (depth-limited); unknown -> None."""

    def __init__(self, module: ast.Module) -> None:
        self.names: dict[str, ast.expr] = {}
        for stmt in module.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.names[stmt.targets[0].id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self.names[stmt.target.id] = stmt.value

    def value(self, node: ast.expr | None, depth: int = 0) -> Any:
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.value(self.names.get(node.id), depth + 1)
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    base = self.value(v, depth + 1)
                    if isinstance(base, dict):
                        out.update(base)
                    continue
                key = self.value(k, depth + 1)
                if isinstance(key, str):
                    out[key] = self.value(v, depth + 1)
            return out
        if isinstance(node, ast.Call) and _callee(node) == "dict" and not node.args:
            return {kw.arg: self.value(kw.value, depth + 1) for kw in node.keywords if kw.arg}
        if isinstance(node, ast.List | ast.Tuple):
            return [self.value(e, depth + 1) for e in node.elts]
        return None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


class _DagVisitor(ast.NodeVisitor):
    def __init__(self, path: Path, module: ast.Module) -> None:
        self.path = path
        self.ev = _Evaluator(module)
        self.dags: list[DagInfo] = []
        self.by_var: dict[str, DagInfo] = {}
        self.stack: list[DagInfo] = []
        self.orphans: list[tuple[TaskOwner, str | None]] = []

    def _dag_from_call(self, call: ast.Call, default_id: str | None = None) -> DagInfo | None:
        dag_id = self.ev.value(_kw(call, "dag_id"))
        if dag_id is None and call.args:
            dag_id = self.ev.value(call.args[0])
        dag_id = dag_id if isinstance(dag_id, str) else default_id
        if not dag_id:
            return None
        info = DagInfo(dag_id=dag_id, file=self.path, line=call.lineno)
        default_args = self.ev.value(_kw(call, "default_args"))
        if isinstance(default_args, dict) and isinstance(default_args.get("owner"), str):
            info.owners = split_owners(default_args["owner"])
            info.owner_line = call.lineno
        links = self.ev.value(_kw(call, "owner_links"))
        if isinstance(links, dict):
            info.owner_links = {str(k): str(v) for k, v in links.items() if isinstance(v, str)}
        self.dags.append(info)
        return info

    def visit_With(self, node: ast.With) -> None:
        opened = 0
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and _callee(expr) == "DAG":
                info = self._dag_from_call(expr)
                if info:
                    if isinstance(item.optional_vars, ast.Name):
                        self.by_var[item.optional_vars.id] = info
                    self.stack.append(info)
                    opened += 1
            elif isinstance(expr, ast.Name) and expr.id in self.by_var:
                self.stack.append(self.by_var[expr.id])
                opened += 1
        self.generic_visit(node)
        for _ in range(opened):
            self.stack.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call) and _callee(node.value) == "DAG":
            info = self._dag_from_call(node.value)
            if info:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.by_var[target.id] = info
            for arg in node.value.args + [kw.value for kw in node.value.keywords]:
                self.visit(arg)
            return
        self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        dag_info = None
        for dec in node.decorator_list:
            name = _callee(dec)
            if name == "dag":
                call = dec if isinstance(dec, ast.Call) else ast.Call(func=dec, args=[], keywords=[])
                call.lineno = node.lineno
                dag_info = self._dag_from_call(call, default_id=node.name)
            elif name == "task" or (isinstance(dec, ast.Attribute) and _callee(dec.value) == "task"):
                call = dec if isinstance(dec, ast.Call) else None
                task_id = self.ev.value(_kw(call, "task_id")) if call else None
                owner = self.ev.value(_kw(call, "owner")) if call else None
                self._add_task(
                    task_id if isinstance(task_id, str) else node.name,
                    owner if isinstance(owner, str) else None,
                    node.lineno,
                    None,
                )
        if dag_info:
            self.stack.append(dag_info)
        self.generic_visit(node)
        if dag_info:
            self.stack.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Call(self, node: ast.Call) -> None:
        task_id = self.ev.value(_kw(node, "task_id"))
        if isinstance(task_id, str) and _callee(node) not in ("task", "dag", "DAG"):
            owner = self.ev.value(_kw(node, "owner"))
            dag_ref = _kw(node, "dag")
            dag_var = dag_ref.id if isinstance(dag_ref, ast.Name) else None
            self._add_task(task_id, owner if isinstance(owner, str) else None, node.lineno, dag_var)
        self.generic_visit(node)

    def _add_task(self, task_id: str, owner: str | None, line: int, dag_var: str | None) -> None:
        task = TaskOwner(task_id=task_id, owners=split_owners(owner) if owner else [], line=line)
        if dag_var and dag_var in self.by_var:
            self.by_var[dag_var].tasks.setdefault(task_id, task)
        elif self.stack:
            self.stack[-1].tasks.setdefault(task_id, task)
        else:
            self.orphans.append((task, dag_var))

    def finish(self) -> list[DagInfo]:
        for task, dag_var in self.orphans:
            if dag_var and dag_var in self.by_var:
                self.by_var[dag_var].tasks.setdefault(task.task_id, task)
            elif len(self.dags) == 1:
                self.dags[0].tasks.setdefault(task.task_id, task)
        return self.dags


def parse_dag_source(text: str, path: Path) -> list[DagInfo]:
    """DAGs declared in one file's source; raises SyntaxError on unparsable Python."""
    module = ast.parse(text, filename=str(path))
    visitor = _DagVisitor(path, module)
    visitor.visit(module)
    return visitor.finish()


@dataclass
class DagFolder:
    dags: dict[str, DagInfo] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


_cache: dict[Path, tuple[tuple[float, int], list[DagInfo], str | None]] = {}


def scan_signature(folder: Path) -> tuple[tuple[str, float, int], ...]:
    """(path, mtime, size) of every candidate DAG file; cheap enough to compare on a timer."""
    sig: list[tuple[str, float, int]] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if name.endswith(".py"):
                p = os.path.join(root, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                sig.append((p, st.st_mtime, st.st_size))
                if len(sig) >= MAX_FILES:
                    return tuple(sig)
    return tuple(sig)


def load_dag_folder(folder: Path, signature: tuple[tuple[str, float, int], ...] | None = None) -> DagFolder:
    result = DagFolder()
    root = folder.resolve()
    for p, mtime, size in signature if signature is not None else scan_signature(folder):
        path = Path(p)
        try:
            if root not in path.resolve().parents:
                result.warnings.append(f"{path}: resolves outside the DAG folder; skipped")
                continue
        except OSError:
            continue
        rel = path.relative_to(folder).as_posix()
        if size > MAX_FILE_BYTES:
            result.warnings.append(f"{rel}: larger than {MAX_FILE_BYTES} bytes; skipped")
            continue
        cached = _cache.get(path)
        if cached and cached[0] == (mtime, size):
            dags, problem = cached[1], cached[2]
        else:
            dags, problem = [], None
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
                # Airflow's safe mode: only files mentioning both words can define DAGs.
                if "airflow" in text.lower() and "dag" in text.lower():
                    dags = parse_dag_source(text, path)
            except SyntaxError as exc:
                problem = f"{rel}:{exc.lineno}: not valid Python ({exc.msg}); skipped"
            except (OSError, RecursionError, ValueError) as exc:
                problem = f"{rel}: cannot parse ({type(exc).__name__}); skipped"
            _cache[path] = ((mtime, size), dags, problem)
        if problem:
            result.warnings.append(problem)
        for info in dags:
            if info.dag_id in result.dags:
                first = result.dags[info.dag_id]
                result.warnings.append(
                    f"{rel}:{info.line}: DAG id {info.dag_id!r} also defined in {first.file.name}:{first.line}"
                )
                continue
            result.dags[info.dag_id] = info
    return result
