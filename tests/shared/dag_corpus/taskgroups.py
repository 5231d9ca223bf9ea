# ruff: noqa  -- DAG file corpus for tests/shared/test_dagparse.py: parsed, never imported
# TaskGroups: prefixes (nested, prefix_group_id=False, task_group=), task and group owners, module default_args.
from airflow import DAG
from airflow.providers.trino.operators.trino import TrinoOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

TEAM = "frank"
DEFAULT_ARGS = {"owner": TEAM, "retries": 2}

with DAG(
    "tg_owners",
    default_args={**DEFAULT_ARGS, "retries": 3},
    owner_links={"frank": "mailto:frank@acme.example"},
    template_searchpath=["sql"],
):
    extract = EmptyOperator(task_id="extract")
    with TaskGroup("grp") as grp:
        load = TrinoOperator(task_id="load", sql="load.sql", owner="carol")
        check = EmptyOperator(task_id="check")
    with TaskGroup(group_id="outer"):
        with TaskGroup("inner", default_args={"owner": "erin"}):
            deep = TrinoOperator(task_id="deep", sql=["a.sql", "b.sql"])
            mine = EmptyOperator(task_id="mine", owner="alice")
    with TaskGroup("flat", prefix_group_id=False):
        EmptyOperator(task_id="unprefixed")
        with TaskGroup("sub"):
            EmptyOperator(task_id="below_flat")
    EmptyOperator(task_id="attached", task_group=grp)
    extract >> grp >> deep
