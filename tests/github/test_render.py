"""locate_task renders SQL templates for the failed run in a sandbox: Airflow's context, visible placeholders for
Variables/Connections, hostile templates refused with a note and nothing executed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.client import call, connected
from tests.github.gitrepo import GitRepo
from tests.github.servers import local_server
from tests.nextsteps import assert_steps_runnable

TEMPLATED_DAG = """\
from airflow import DAG
from airflow.models.param import Param
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

REGION = "emea"

with DAG(
    dag_id="templated_load",
    schedule="@daily",
    template_searchpath=["/opt/airflow/include/sql"],
    params={"region": REGION, "limit": Param(100, type="integer")},
) as dag:
    load = SQLExecuteQueryOperator(task_id="load", conn_id="trino", sql="load_events.sql", params={"table": "events"})
    inline = SQLExecuteQueryOperator(
        task_id="inline", conn_id="trino", sql="DELETE FROM iceberg.mart.events WHERE ds = '{{ ds }}'"
    )
    mro = SQLExecuteQueryOperator(task_id="mro", sql="hostile_mro.sql")
    globs = SQLExecuteQueryOperator(task_id="globs", sql="hostile_globals.sql")
    loops = SQLExecuteQueryOperator(task_id="loops", sql="hostile_loops.sql")
    grow = SQLExecuteQueryOperator(task_id="grow", sql="hostile_grow.sql")
    macro = SQLExecuteQueryOperator(task_id="macro", sql="hostile_macro.sql")
"""

LOAD_EVENTS = """\
{% include 'header.sql' %}
INSERT INTO iceberg.mart.{{ params.table }}
SELECT * FROM iceberg.raw.events
WHERE ds = '{{ ds }}' AND region = '{{ params.region }}'
  AND ds > '{{ macros.ds_add(ds, -1) }}'
  AND path LIKE 's3://{{ var.value.bucket }}/%'
  AND ts < TIMESTAMP '{{ data_interval_end }}'
LIMIT {{ params.limit }}
"""

EXPECTED = """\
-- run {{ ds_nodash }} {{ conn.trino.host }}
INSERT INTO iceberg.mart.events
SELECT * FROM iceberg.raw.events
WHERE ds = '2024-05-01' AND region = 'emea'
  AND ds > '2024-04-30'
  AND path LIKE 's3://{{ var.value.bucket }}/%'
  AND ts < TIMESTAMP '2024-05-02T00:00:00+00:00'
LIMIT 100"""


def hostile(marker: Path) -> dict[str, str]:
    return {
        "include/sql/hostile_mro.sql": "SELECT '{{ ''.__class__.__mro__[1].__subclasses__() }}'\n",
        "include/sql/hostile_globals.sql": (
            f"SELECT '{{{{ cycler.__init__.__globals__.os.popen('touch {marker}') }}}}'\n"
        ),
        "include/sql/hostile_loops.sql": (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            "{% endfor %}{% endfor %}{% endfor %}SELECT 1\n"
        ),
        "include/sql/hostile_grow.sql": "{% set s = 'x' * 90000 %}SELECT '{{ s ~ s ~ s }}'\n",
        "include/sql/hostile_macro.sql": "{% macro m() %}{{ caller() }}{% endmacro %}SELECT 1\n",
    }


@pytest.fixture
def templated(pipelines: GitRepo, tmp_path: Path) -> GitRepo:
    pipelines.commit(
        "templated DAG",
        {
            "dags/templated.py": TEMPLATED_DAG,
            "include/sql/load_events.sql": LOAD_EVENTS,
            "include/sql/header.sql": "-- run {{ ds_nodash }} {{ conn.trino.host }}",
            **hostile(tmp_path / "pwned"),
        },
        ("Eve", "eve@example.com"),
        "2026-01-06T00:00:00+00:00",
    )
    return pipelines


async def locate(repo: GitRepo, task_id: str, **extra: Any) -> dict[str, Any]:
    """locate_task on the templated_load DAG."""
    return await call(
        local_server(repo), "locate_task", repo="pipelines", dag_id="templated_load", task_id=task_id, **extra
    )


async def test_rendered_for_the_run_id_with_params_macros_and_placeholders(templated: GitRepo) -> None:
    out = await locate(templated, "load", run_id="scheduled__2024-05-01T00:00:00+00:00")
    (sql,) = out["resolved_files"]
    assert sql["path"] == "include/sql/load_events.sql"
    assert sql["rendered_sql"] == EXPECTED.replace("{{ ds_nodash }}", "20240501")
    assert sql["placeholders"] == ["conn.trino.host", "var.value.bucket"]
    assert "var.value.bucket" in sql["render_note"]
    assert "4| WHERE ds = '{{ ds }}'" in sql["preview"]  # the template stays next to the rendering
    assert out["run"] == {
        "logical_date": "2024-05-01T00:00:00+00:00",
        "data_interval_start": "2024-05-01T00:00:00+00:00",
        "data_interval_end": "2024-05-02T00:00:00+00:00",
        "source": "run_id scheduled__2024-05-01T00:00:00+00:00",
    }
    assert sql["tables"] == ["iceberg.mart.events", "iceberg.raw.events"]
    steps = assert_steps_runnable(out)
    # placeholders left in the SQL: it would not compile, so it is not proposed for validation
    assert not [s for s in steps if s["tool"] == "validate_sql"]


async def test_logical_date_and_inline_sql(templated: GitRepo) -> None:
    out = await locate(templated, "inline", logical_date="2024-02-29")
    (inline,) = out["inline_sql"]
    assert inline["argument"] == "sql" and inline["template"].endswith("ds = '{{ ds }}'")
    assert inline["rendered_sql"] == "DELETE FROM iceberg.mart.events WHERE ds = '2024-02-29'"
    steps = assert_steps_runnable(out)
    validate = [s for s in steps if s["tool"] == "validate_sql"]
    assert validate == [
        {
            "server": "trino",
            "tool": "validate_sql",
            "arguments": {"sql": inline["rendered_sql"]},
            "why": validate[0]["why"],
            "priority": 1,
        }
    ]


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [
        ("mro", "__class__"),
        ("globs", "__init__"),
        ("loops", "steps"),
        ("grow", "100000 characters"),
        ("macro", "{% macro %}"),
    ],
)
async def test_hostile_templates_refused_with_a_note(
    templated: GitRepo, tmp_path: Path, task_id: str, expected: str
) -> None:
    r = await locate(templated, task_id, logical_date="2024-05-01")
    (sql,) = r["resolved_files"]
    assert sql["rendered_sql"] is None
    assert "refused" in sql["render_note"] and expected in sql["render_note"]
    assert "nothing from the template was executed" in sql["render_note"]
    assert not (tmp_path / "pwned").exists()
    assert_steps_runnable(r)


async def test_bad_run_id_and_date_are_clear_errors(templated: GitRepo) -> None:
    server = local_server(templated)
    task = {"repo": "pipelines", "dag_id": "templated_load", "task_id": "load"}
    async with connected(server) as c:
        bad_run = await c.call_error("locate_task", **task, run_id="abc")
        bad_date = await c.call_error("locate_task", **task, logical_date="yesterday")
        await c.call("locate_task", **task)
    assert "logical_date" in bad_run
    assert "ISO 8601" in bad_date
