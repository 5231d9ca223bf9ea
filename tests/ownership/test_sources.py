"""CODEOWNERS precedence, DAG owners via ast, OpenLineage ownership facets, and how the sources are combined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall_mcp.servers.ownership.codeowners_source import load_codeowners, parse_codeowners
from oncall_mcp.servers.ownership.dag_source import load_dag_folder, parse_dag_source
from oncall_mcp.servers.ownership.lineage_source import load_lineage
from tests.client import call
from tests.harness import SHARED_DATA, requires_shared_data
from tests.ownership.helpers import dataset, event, make_server, write

CODEOWNERS = """\
# default owner of everything
*                       @acme/data-platform
*.sql                   @acme/analytics-eng
/dags/                  @acme/orders-platform   # the dags folder at the root
dags/revenue/           @acme/revenue-analytics
docs/*                  docs@acme.example
apps/                   @carol
**/logs                 @erin
/dags/revenue/generated/
!dags/negated.py        @acme/analytics-eng
dags/[ab].py            @acme/analytics-eng
dags/bad.py             not-an-owner
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ["@acme/data-platform"]),
        ("sql/reports/daily.sql", ["@acme/analytics-eng"]),
        ("dags/orders_ingest.py", ["@acme/orders-platform"]),
        ("dags/sql/orders.sql", ["@acme/orders-platform"]),  # the later /dags/ line beats *.sql
        ("dags/revenue/revenue_hourly.py", ["@acme/revenue-analytics"]),
        ("nested/dags/revenue/x.py", ["@acme/data-platform"]),  # a slash inside `dags/revenue/` anchors it at the root
        ("docs/getting-started.md", ["docs@acme.example"]),
        ("docs/build-app/troubleshooting.md", ["@acme/data-platform"]),  # docs/* does not reach nested files
        ("src/apps/web/x.py", ["@carol"]),
        ("a/b/logs/x.txt", ["@erin"]),
        ("dags/revenue/generated/x.py", []),  # a pattern without owners leaves the path unowned
    ],
)
def test_codeowners_precedence(path: str, owners: list[str]) -> None:
    parsed = parse_codeowners(CODEOWNERS)
    rule = parsed.match(path)
    assert (rule.owners if rule else []) == owners


def test_codeowners_bad_lines_are_skipped_with_line_numbers() -> None:
    warnings = " ".join(parse_codeowners(CODEOWNERS).warnings)
    assert "CODEOWNERS:10: '!dags/negated.py': negation" in warnings
    assert "CODEOWNERS:11: 'dags/[ab].py': character ranges" in warnings
    assert "CODEOWNERS:12: 'dags/bad.py': invalid owner 'not-an-owner'" in warnings


def test_codeowners_location_order(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "CODEOWNERS", "* @docs-team\n")
    assert load_codeowners(tmp_path).rel == "docs/CODEOWNERS"
    write(tmp_path / "CODEOWNERS", "* @root-team\n")
    assert load_codeowners(tmp_path).rel == "CODEOWNERS"
    write(tmp_path / ".github" / "CODEOWNERS", "* @github-team\n")
    co = load_codeowners(tmp_path)
    assert co.rel == ".github/CODEOWNERS" and co.match("x").owners == ["@github-team"]


DAG_WITH_CONTEXT = """\
from airflow import DAG
from airflow.operators.bash import BashOperator
import os
os.system("touch SIDE_EFFECT")  # must never run
DEFAULTS = {"owner": "alice", "retries": 2}
with DAG("orders_ingest", default_args={**DEFAULTS, "retries": 3}, owner_links={"alice": "mailto:alice@acme.example"}):
    BashOperator(task_id="extract", bash_command="x")
    BashOperator(task_id="load", bash_command="x", owner="@acme/analytics-eng")
"""
DAG_DECORATED = """\
from airflow.decorators import dag, task
DAG_ID = "revenue_hourly"
@dag(dag_id=DAG_ID, default_args=dict(owner="frank,carol"))
def pipeline():
    @task(owner="erin")
    def wait_for_orders():
        pass
    @task
    def compute():
        pass
pipeline()
"""
DAG_ASSIGNED = """\
import airflow
from airflow.models import DAG
from airflow.operators.empty import EmptyOperator
dag = DAG(dag_id="reports_daily", default_args={"owner": "bob"})
start = EmptyOperator(task_id="start", dag=dag)
"""


def make_dags(root: Path) -> Path:
    folder = root / "repo" / "dags"
    write(folder / "orders_ingest.py", DAG_WITH_CONTEXT)
    write(folder / "revenue" / "revenue_hourly.py", DAG_DECORATED)
    write(folder / "reports.py", DAG_ASSIGNED)
    write(folder / "broken.py", "from airflow import DAG\nwith DAG('x' as d:\n")
    write(folder / "helpers.py", "def f():\n    return 1\n")
    return folder


def test_dag_files_are_parsed_not_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = load_dag_folder(make_dags(tmp_path))
    assert not (tmp_path / "SIDE_EFFECT").exists()
    orders = folder.dags["orders_ingest"]
    assert orders.owners == ["alice"]
    assert orders.owner_links == {"alice": "mailto:alice@acme.example"}
    assert orders.tasks["extract"].owners == [] and orders.tasks["load"].owners == ["@acme/analytics-eng"]
    revenue = folder.dags["revenue_hourly"]
    assert revenue.owners == ["frank", "carol"]
    assert revenue.tasks["wait_for_orders"].owners == ["erin"] and "compute" in revenue.tasks
    assert folder.dags["reports_daily"].owners == ["bob"] and "start" in folder.dags["reports_daily"].tasks
    assert any("broken.py:2: not valid Python" in w for w in folder.warnings)


@requires_shared_data
def test_real_airflow_dag_file_has_no_owner() -> None:
    path = SHARED_DATA / "airflow3-logs" / "failing_pipeline.py"
    (info,) = parse_dag_source(path.read_text(), path)
    assert info.dag_id == "failing_pipeline" and info.owners == []
    assert set(info.tasks) == {
        "extract_orders",
        "transform_orders",
        "load_daily_revenue",
        "wait_for_partition",
        "dbt_run",
    }


@requires_shared_data
def test_real_openlineage_events_carry_only_the_default_owner() -> None:
    lin = load_lineage(SHARED_DATA / "openlineage")
    assert lin.events == 36
    assert lin.jobs["failing_pipeline.dbt_run"].owners == ["airflow"]
    assert lin.dag_run_owner["failing_pipeline"].owners == ["airflow"]
    assert lin.datasets == {}


@requires_shared_data
async def test_real_events_placeholder_owner_is_ignored_and_said(tmp_path: Path) -> None:
    server = make_server(
        tmp_path, lineage_events=SHARED_DATA / "openlineage", dags_folder=SHARED_DATA / "airflow3-logs"
    )
    out = await call(server, "resolve_owner", asset="failing_pipeline.dbt_run")
    assert out["kind"] == "task" and not out["found"]
    assert any("placeholder owner airflow" in n for n in out["notes"])
    assert any("sets no owner" in n for n in out["notes"])
    assert "failing_pipeline.dbt_run" in out["candidates"]


async def test_registry_decides_dag_file_and_codeowners_agree_or_conflict(tmp_path: Path) -> None:
    dags = make_dags(tmp_path)
    write(tmp_path / "repo" / ".github" / "CODEOWNERS", CODEOWNERS)
    server = make_server(tmp_path, repo=tmp_path / "repo", dags_folder=dags)
    # registry says orders-platform; DAG file owner alice is a member of orders-platform; CODEOWNERS /dags/ agrees
    out = await call(server, "resolve_owner", asset="orders_ingest")
    assert out["decided_by"]["source"] == "registry"
    assert {e["source"] for e in out["agreeing"]} == {"dag_file", "codeowners"}
    assert out["conflicting"] == []
    assert out["confidence"] == 0.99
    # task-level owner in the DAG file decides for that task over the DAG-level registry entry, which conflicts
    task = await call(server, "resolve_owner", asset="orders_ingest.load")
    assert task["decided_by"]["source"] == "dag_file" and task["owners"][0]["name"] == "analytics-eng"
    assert task["decided_by"]["location"] == "orders_ingest.py:8"
    assert {e["source"] for e in task["conflicting"]} >= {"registry"}
    assert any("sources disagree" in n for n in task["notes"])
    # reports_daily: registry says analytics-eng, the DAG file says bob (in no team)
    rep = await call(server, "resolve_owner", asset="reports_daily")
    assert rep["owners"][0]["name"] == "analytics-eng"
    assert "dag_file (reports.py:4) names bob, who is in no registry team" in " ".join(rep["notes"])
    assert [e["source"] for e in rep["conflicting"]] == ["codeowners"] and rep["agreeing"] == []


async def test_dag_not_in_registry_is_decided_by_dag_file_then_codeowners(tmp_path: Path) -> None:
    dags = make_dags(tmp_path)
    write(
        dags / "unlisted.py",
        'from airflow import DAG\nwith DAG("unlisted", default_args={"owner": "carol"}):\n    pass\n',
    )
    write(dags / "nobody.py", 'from airflow import DAG\nwith DAG("nobody_owns"):\n    pass\n')
    write(tmp_path / "repo" / "CODEOWNERS", CODEOWNERS)
    server = make_server(tmp_path, repo=tmp_path / "repo", dags_folder=dags)
    out = await call(server, "resolve_owner", asset="unlisted")
    assert out["decided_by"]["source"] == "dag_file" and out["owners"][0]["name"] == "analytics-eng"
    assert [e["source"] for e in out["conflicting"]] == ["codeowners"]  # /dags/ says orders-platform
    via_co = await call(server, "resolve_owner", asset="nobody_owns")
    assert via_co["decided_by"]["source"] == "codeowners"
    assert via_co["decided_by"]["location"] == "CODEOWNERS:4"
    assert via_co["owners"][0]["name"] == "orders-platform"
    path = await call(server, "resolve_owner", asset="dags/revenue/revenue_hourly.py")
    assert path["kind"] == "path" and path["decided_by"]["source"] == "codeowners"
    assert path["owners"][0]["name"] == "revenue-analytics"
    assert any(e["source"] == "dag_file" for e in path["agreeing"])  # frank is in revenue-analytics


async def test_dag_folder_changes_are_picked_up(tmp_path: Path) -> None:
    dags = make_dags(tmp_path)
    server = make_server(tmp_path, dags_folder=dags)
    assert not (await call(server, "resolve_owner", asset="late_dag"))["found"]
    write(
        dags / "late.py", 'from airflow import DAG\nwith DAG("late_dag", default_args={"owner": "erin"}):\n    pass\n'
    )
    out = await call(server, "resolve_owner", asset="late_dag")
    assert out["owners"][0]["name"] == "data-platform"


async def test_generated_openlineage_ownership_facets(tmp_path: Path) -> None:
    events = tmp_path / "events"
    lines = [
        event(
            "billing_sync.export",
            owners=[{"name": "team:orders-platform", "type": "MAINTAINER"}],
            outputs=[dataset("trino://trino:8080", "lake.billing.invoices")],
        ),
        event(
            "billing_sync.export",
            owners=[{"name": "user:carol@acme.example", "type": "MAINTAINER"}],
            time="2024-05-02T10:00:00+00:00",
        ),  # newer event wins
        event(
            "ml_features.build",
            inputs=[
                dataset(
                    "trino://trino:8080", "lake.ml.features", owners=[{"name": "team:data-platform", "type": "OWNER"}]
                )
            ],
        ),
        event(
            "raw_dump.copy",
            outputs=[dataset("s3://acme-archive", "dumps/2024", owners=[{"name": "frank@acme.example"}])],
        ),
        event("legacy.run", dag_owner="erin"),
        "not json",
    ]
    write(events / "a.jsonl", "\n".join(lines[:3]) + "\n")
    write(events / "b.jsonl", "\n".join(lines[3:]) + "\n")
    server = make_server(tmp_path, lineage_events=events)
    job = await call(server, "resolve_owner", asset="billing_sync.export", kind="task")
    assert job["decided_by"]["source"] == "openlineage" and job["owners"][0]["name"] == "analytics-eng"
    assert job["decided_by"]["location"] == "a.jsonl:2"
    ds = await call(server, "resolve_owner", asset="lake.ml.features")
    assert ds["decided_by"]["source"] == "openlineage" and ds["owners"][0]["name"] == "data-platform"
    produced = await call(server, "resolve_owner", asset="lake.billing.invoices")
    assert produced["decided_by"]["source"] == "lineage_producer"
    assert produced["owners"][0]["name"] == "analytics-eng" and produced["confidence_label"] == "low"
    s3 = await call(server, "resolve_owner", asset="s3://acme-archive/dumps/2024/part-1.csv")
    assert s3["owners"][0]["name"] == "revenue-analytics"
    legacy = await call(server, "resolve_owner", asset="legacy")
    assert legacy["owners"][0]["name"] == "data-platform"
    assert any("b.jsonl:3: not a JSON event" in w for w in legacy["registry_warnings"])


async def test_registry_and_lineage_facet_conflict(tmp_path: Path) -> None:
    events = write(
        tmp_path / "ev.jsonl",
        event(
            "orders_ingest.load",
            outputs=[dataset("trino://t:8080", "lake.raw.orders", owners=[{"name": "@acme/analytics-eng"}])],
        )
        + "\n",
    )
    server = make_server(tmp_path, lineage_events=events)
    out = await call(server, "resolve_owner", asset="lake.raw.orders")
    assert out["decided_by"]["source"] == "registry"
    assert [e["source"] for e in out["conflicting"]] == ["openlineage"]
    assert out["conflicting"][0]["teams"] == ["analytics-eng"]
    assert [e["source"] for e in out["agreeing"]] == ["lineage_producer"]  # the writing DAG is orders-platform's
    assert out["confidence"] == 0.73  # glob 0.85, +0.03 agreeing, -0.15 conflicting
    assert json.dumps(out).count("lake.raw.orders") >= 1


async def test_dataset_facet_on_an_s3a_namespace_answers_to_the_s3_uri(tmp_path: Path) -> None:
    line = event(
        "landing.copy",
        outputs=[dataset("s3a://acme-landing/", "/shop/orders", owners=[{"name": "team:orders-platform"}])],
    )
    events = write(tmp_path / "events" / "e.jsonl", line + "\n")
    server = make_server(tmp_path, lineage_events=events.parent)
    out = await call(server, "resolve_owner", asset="s3://acme-landing/shop/orders/dt=2024-05-01/x.parquet")
    assert out["kind"] == "s3" and out["decided_by"]["source"] == "openlineage"
    assert out["owners"][0]["name"] == "orders-platform"
