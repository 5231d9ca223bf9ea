# ruff: noqa  -- DAG file corpus for tests/shared/test_dagparse.py: parsed, never imported
# The shapes github's locate_task was first tested on: models.DAG with an f-string id, groups with `dag=`.
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
