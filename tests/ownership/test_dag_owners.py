"""Task owners inside TaskGroups, through the ownership server, from the shared DAG corpus (tests/shared/dag_corpus).

Airflow and `github` name a task `load` inside `TaskGroup("grp")` `grp.load`; ownership reads the same id from the
same parser, so `resolve_owner` for `dag.grp.load` finds the task's own owner, and other tasks fall back to the DAG's
`default_args` owner.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from oncall_mcp.servers.ownership.dag_source import parse_dag_source
from tests.client import call
from tests.nextsteps import assert_steps_runnable
from tests.ownership.helpers import make_server

CORPUS = Path(__file__).parent.parent / "shared" / "dag_corpus"


def dags_folder(tmp: Path) -> Path:
    folder = tmp / "dags"
    folder.mkdir()
    for name in ("taskgroups.py", "decorated.py", "several_dags.py"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def test_task_ids_carry_group_prefixes_and_owners() -> None:
    path = CORPUS / "taskgroups.py"
    (info,) = parse_dag_source(path.read_text(), path)
    assert info.dag_id == "tg_owners" and info.owners == ["frank"] and info.owner_line == 9
    assert info.tasks["grp.load"].owners == ["carol"] and info.tasks["grp.load"].line == 19
    assert "load" not in info.tasks
    assert info.tasks["extract"].owners == []  # falls back to the DAG owner in the resolver
    assert info.tasks["outer.inner.deep"].owners == ["erin"]  # the group's default_args
    several = CORPUS / "several_dags.py"
    by_id = {d.dag_id: d for d in parse_dag_source(several.read_text(), several)}
    assert set(by_id) == {"first_dag", "second_dag"}  # a computed DAG id cannot be looked up by name
    assert set(by_id["first_dag"].tasks) == {"tied", "explicit_first"}  # `untied` belongs to no one DAG


async def test_resolve_owner_for_a_task_in_a_task_group(tmp_path: Path) -> None:
    server = make_server(tmp_path, dags_folder=dags_folder(tmp_path))
    out = await call(server, "resolve_owner", asset="tg_owners.grp.load")
    assert out["kind"] == "task" and out["found"]
    assert out["decided_by"]["source"] == "dag_file"
    assert out["decided_by"]["location"] == "taskgroups.py:19"
    assert out["owners"][0]["name"] == "analytics-eng"  # carol, the task's own owner, not the DAG's frank
    fallback = await call(server, "resolve_owner", asset="tg_owners.extract")
    assert fallback["decided_by"]["location"] == "taskgroups.py:9"  # DEFAULT_ARGS' owner line
    assert fallback["owners"][0]["name"] == "revenue-analytics"  # frank, the DAG's default_args owner
    nested = await call(server, "resolve_owner", asset="tg_owners.outer.inner.deep")
    assert nested["owners"][0]["name"] == "data-platform"  # erin, from the inner group's default_args
    flow = await call(server, "resolve_owner", asset="deco_pipeline.stage.query")
    assert flow["owners"][0]["name"] == "analytics-eng"


async def test_task_id_without_its_group_prefix_suggests_the_full_id(tmp_path: Path) -> None:
    server = make_server(tmp_path, dags_folder=dags_folder(tmp_path))
    out = await call(server, "resolve_owner", asset="tg_owners.load")
    assert out["kind"] == "task" and out["dag_id"] == "tg_owners" and out["task_id"] == "load"
    assert out["candidates"] == ["tg_owners.grp.load"]
    assert any("did you mean tg_owners.grp.load?" in n for n in out["notes"])
    assert out["owners"][0]["name"] == "revenue-analytics" and out["confidence"] < 0.75  # the DAG's owner, flagged
    (step,) = [s for s in assert_steps_runnable(out) if s["tool"] == "resolve_owner"]
    assert step["priority"] == 1 and step["arguments"] == {"asset": "tg_owners.grp.load", "kind": "task"}
    meant = await call(server, step["tool"], **step["arguments"])
    assert meant["owners"][0]["name"] == "analytics-eng" and meant["candidates"] == []
    typo = await call(server, "resolve_owner", asset="tg_owners.extrct", kind="task")
    assert typo["candidates"] == ["tg_owners.extract"]
