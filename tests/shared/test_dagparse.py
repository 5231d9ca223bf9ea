"""The one ast-only DAG parser (`shared/dagparse`, used by `github` and `ownership`) on the corpus in dag_corpus/.

Each corpus file is a DAG file of the shapes real DAG folders take; EXPECTED says, per file, the DAGs and per task
its full Airflow task id, operator, own owner (task `owner=` or its TaskGroup's default_args), where that owner
came from, and whether the task is dynamically mapped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.shared.dagparse import DagDef, parse_dag_file, parse_dags

CORPUS = Path(__file__).parent / "dag_corpus"

Task = tuple[str, str | None, str | None, bool]  # operator, owner, owner_from, mapped

EXPECTED: dict[str, dict[str, dict[str, Task]]] = {
    "taskgroups.py": {
        "tg_owners": {
            "extract": ("EmptyOperator", None, None, False),
            "grp.load": ("TrinoOperator", "carol", "task", False),
            "grp.check": ("EmptyOperator", None, None, False),
            "outer.inner.deep": ("TrinoOperator", "erin", "task_group:inner", False),  # nested group default_args
            "outer.inner.mine": ("EmptyOperator", "alice", "task", False),  # the task's own owner beats its group's
            "unprefixed": ("EmptyOperator", None, None, False),  # prefix_group_id=False
            "sub.below_flat": ("EmptyOperator", None, None, False),  # ...which its child groups do not inherit
            "grp.attached": ("EmptyOperator", None, None, False),  # task_group=grp outside the `with`
        }
    },
    "decorated.py": {
        "deco_pipeline": {
            "add": ("@task", None, None, True),  # add.expand(...)
            "renamed": ("@task", "erin", "task", False),  # @task(task_id=..., owner=...)
            "shell": ("@task.bash", None, None, False),
            "stage.inside": ("@task", "alice", "task_group:stage", False),  # @task_group(default_args=...)
            "stage.query": ("TrinoOperator", "carol", "task", False),
            "add_two": ("@task (override of add)", "carol", "task", False),
            "add_many": ("@task (override of add)", None, None, True),  # .override(...).partial(...).expand(...)
            "mapped_sql": ("TrinoOperator.partial", None, None, True),
        },
        "bare_decorator": {"only": ("@task", None, None, False)},  # bare @dag: the function name
    },
    "several_dags.py": {
        "first_dag": {
            "tied": ("BashOperator", None, None, False),
            "explicit_first": ("BashOperator", None, None, False),  # dag= beats the enclosing `with second`
            "untied": ("BashOperator", None, None, False),
        },
        "second_dag": {
            "inside_second": ("BashOperator", None, None, False),
            "untied": ("BashOperator", None, None, False),
        },
        "dyn_{…}": {
            "untied": ("BashOperator", None, None, False),
            "t_{…}": ("BashOperator", None, None, False),
        },
    },
    "legacy_variants.py": {
        "sales_daily": {
            "outer.inner.load": ("TrinoOperator", None, None, False),
            "no_prefix": ("TrinoOperator", None, None, False),  # prefix_group_id=False drops every prefix
        },
        "decorated": {
            "add": ("@task", None, None, False),
            "add_two": ("@task (override of add)", None, None, False),
            "mapped": ("TrinoOperator.partial", None, None, True),
        },
    },
}


def parse(name: str) -> dict[str, DagDef]:
    return {d.dag_id.text: d for d in parse_dag_file((CORPUS / name).read_text(), name)}


def test_corpus_is_complete() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_dags_and_tasks(name: str) -> None:
    dags = parse(name)
    got = {
        dag_id: {t.task_id.text: (t.operator, t.owner, t.owner_from, t.mapped) for t in dag.tasks}
        for dag_id, dag in dags.items()
    }
    assert got == EXPECTED[name]


def test_dag_level_owners_and_lines() -> None:
    dags = parse("taskgroups.py")
    tg = dags["tg_owners"]
    # default_args={**DEFAULT_ARGS, ...} with DEFAULT_ARGS a module dict whose owner is a module constant
    assert (tg.owner, tg.owner_line) == ("frank", 9)
    assert tg.owner_links == {"frank": "mailto:frank@acme.example"}
    assert (tg.start, tg.end, tg.template_searchpath) == (11, 30, ["sql"])
    tasks = {t.task_id.text: t for t in tg.tasks}
    load = tasks["grp.load"]
    assert (load.group, load.start, load.end, load.owner_line) == ("grp", 19, 19, 19)
    assert load.strings["sql"] == ["load.sql"] and tasks["outer.inner.deep"].strings["sql"] == ["a.sql", "b.sql"]
    assert tasks["outer.inner.deep"].owner_line == 22  # the group's default_args line
    # Airflow's owner for a task: its own, else (group default_args already folded in) the DAG's default_args
    assert tg.task_owner(load) == "carol" and tg.task_owner(tasks["extract"]) == "frank"

    deco = parse("decorated.py")
    assert (deco["deco_pipeline"].owner, deco["deco_pipeline"].start) == ("frank,carol", 9)  # dict(owner=...)
    assert (deco["bare_decorator"].owner, deco["bare_decorator"].start) == (None, 42)
    renamed = next(t for t in deco["deco_pipeline"].tasks if t.task_id.text == "renamed")
    assert (renamed.start, renamed.end) == (15, 17)  # from the decorator to the end of the function

    several = parse("several_dags.py")
    assert several["first_dag"].owner == "bob" and several["second_dag"].owner is None
    assert several["dyn_{…}"].dag_id.matches("dyn_2024") and not several["dyn_{…}"].dag_id.matches("dyn_")
    untied = [t for d in several.values() for t in d.tasks if t.task_id.text == "untied"]
    assert len(untied) == 3 and all(t.ambiguous for t in untied)
    assert all(d.ambiguous_tasks for d in several.values())
    explicit = next(t for t in several["first_dag"].tasks if t.task_id.text == "explicit_first")
    assert explicit.owner is None and not explicit.ambiguous  # owner=compute_owner() is not guessed


def test_github_locate_fields_are_kept() -> None:
    dags = parse("legacy_variants.py")
    sales = dags["sales_daily"]
    assert sales.template_searchpath == ["/opt/airflow/sql"]
    load = next(t for t in sales.tasks if t.task_id.text == "outer.inner.load")
    assert load.args["trino_conn_id"] == '"trino"'
    assert load.strings["sql"] == ["load.sql"]
    assert load.group == "outer.inner"


def test_never_executes_and_broken_or_dagless_files() -> None:
    assert parse_dags("def f(:\n") == []
    assert parse_dags("x = 1\n") == []
    assert parse_dags("print('dag')\n" * 3) == []
    with pytest.raises(SyntaxError):
        parse_dag_file("from airflow import DAG\nwith DAG('x' as d:\n")
    # nothing a DAG file says is run: the side effect stays a string in a tree
    src = 'import os\nos.system("exit 1")\nfrom airflow import DAG\nwith DAG("safe"):\n    pass\n'
    assert [d.dag_id.text for d in parse_dags(src)] == ["safe"]


def test_computed_owners_and_ids_are_not_guessed() -> None:
    src = (
        "from airflow import DAG\n"
        "from airflow.operators.empty import EmptyOperator\n"
        "with DAG('d', default_args={'owner': get_owner()}):\n"
        "    EmptyOperator(task_id='a', owner=f'team_{x}')\n"
        "    EmptyOperator(task_id=name_from_config)\n"
    )
    (dag,) = parse_dags(src)
    assert dag.owner is None
    a, dyn = dag.tasks
    assert (a.task_id.text, a.owner) == ("a", None)
    assert dyn.task_id.pattern is not None  # an id the parser cannot resolve matches anything, shown as written
