"""The ast-only DAG parser on the shapes real DAG files take."""

from __future__ import annotations

from oncall_mcp.servers.github.dagparse import parse_dags

SRC = """
from airflow import models
from airflow.providers.trino.operators.trino import TrinoOperator
from airflow.utils.task_group import TaskGroup
from airflow.sdk import dag, task

PREFIX = "sales"
dag_obj = models.DAG(f"{PREFIX}_daily", template_searchpath="/opt/airflow/sql")

with TaskGroup("outer", dag=dag_obj) as outer:
    with TaskGroup(group_id="inner"):
        t = TrinoOperator(task_id="load", trino_conn_id="trino", sql="load.sql", dag=dag_obj)
    flat = TaskGroup("flat", prefix_group_id=False, dag=dag_obj)
    TrinoOperator(task_id="no_prefix", sql="x.sql", task_group=flat, dag=dag_obj)

@dag(dag_id="decorated")
def my_dag():
    @task
    def add(x: int) -> int:
        return x + 1

    add.override(task_id="add_two")(1)
    TrinoOperator.partial(task_id="mapped", sql="m.sql").expand(parameters=[1, 2])

my_dag()
"""


def test_parse_variants() -> None:
    dags = {d.dag_id.text: d for d in parse_dags(SRC)}
    assert set(dags) == {"sales_daily", "decorated"}
    sales = dags["sales_daily"]
    assert sales.template_searchpath == ["/opt/airflow/sql"]
    tasks = {t.task_id.text: t for t in sales.tasks}
    assert set(tasks) == {"outer.inner.load", "no_prefix"}  # prefix_group_id=False drops every prefix
    assert tasks["outer.inner.load"].operator == "TrinoOperator"
    assert tasks["outer.inner.load"].args["trino_conn_id"] == '"trino"'
    assert tasks["outer.inner.load"].strings["sql"] == ["load.sql"]
    deco = {t.task_id.text: t for t in dags["decorated"].tasks}
    assert set(deco) == {"add", "add_two", "mapped"}
    assert deco["add_two"].operator.startswith("@task (override of add)")
    assert deco["mapped"].operator == "TrinoOperator.partial"


def test_broken_or_dagless_files_give_nothing() -> None:
    assert parse_dags("def f(:\n") == []
    assert parse_dags("x = 1\n") == []
    assert parse_dags("print('dag')\n" * 3) == []
