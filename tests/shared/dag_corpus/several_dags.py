# ruff: noqa  -- DAG file corpus for tests/shared/test_dagparse.py: parsed, never imported
# Several DAGs in one file: `dag=` ties a task (and wins over the enclosing `with`), untied tasks are ambiguous.
import airflow
from airflow.models import DAG
from airflow.operators.bash import BashOperator

first = DAG(dag_id="first_dag", default_args={"owner": "bob"})
second = DAG("second_dag")
suffix = compute_suffix()
dynamic = DAG(f"dyn_{suffix}")

BashOperator(task_id="tied", bash_command="x", dag=first)
with second:
    BashOperator(task_id="inside_second", bash_command="x")
    BashOperator(task_id="explicit_first", bash_command="x", dag=first, owner=compute_owner())
BashOperator(task_id="untied", bash_command="x")
BashOperator(task_id=f"t_{suffix}", bash_command="x", dag=dynamic)
