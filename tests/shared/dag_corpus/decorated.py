# ruff: noqa  -- DAG file corpus for tests/shared/test_dagparse.py: parsed, never imported
# TaskFlow: @dag with dag_id=, @task variants, .override, @task_group, dynamic task mapping, dict(...) default_args.
from airflow.sdk import dag, task, task_group
from airflow.providers.trino.operators.trino import TrinoOperator

DAG_ID = "deco_pipeline"


@dag(dag_id=DAG_ID, default_args=dict(owner="frank,carol"), schedule=None)
def pipeline():
    @task
    def add(x: int, y: int = 0) -> int:
        return x + y

    @task(task_id="renamed", owner="erin")
    def original() -> None:
        pass

    @task.bash
    def shell() -> str:
        return "echo hi"

    @task_group(group_id="stage", default_args={"owner": "alice"})
    def stage_group() -> None:
        @task
        def inside() -> None:
            pass

        inside()
        TrinoOperator(task_id="query", sql="q.sql", owner="carol")

    add.expand(x=[1, 2])
    add.override(task_id="add_two", owner="carol")(1)
    add.override(task_id="add_many").partial(y=1).expand(x=[1, 2])
    TrinoOperator.partial(task_id="mapped_sql", sql="m.sql").expand(parameters=[{"a": 1}])
    original() >> shell() >> stage_group()


pipeline()


@dag
def bare_decorator():
    @task
    def only() -> None:
        pass

    only()


bare_decorator()
