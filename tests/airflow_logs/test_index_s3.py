"""The failure index over S3 (a real moto server process): incremental listing with StartAfter per DAG prefix,
a full relisting that notices deleted objects, and the batch build uploading the index to S3."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.index.batch import build
from oncall_mcp.servers.airflow_logs.index.live import LiveIndex
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.airflow_logs.test_index import failed_log, success_log

pytestmark = pytest.mark.engine


async def test_s3_incremental_listing_and_batch_upload(s3_server, tmp_path: Path, monkeypatch) -> None:
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    client = s3_server.client()
    client.create_bucket(Bucket="idx-logs")

    def put(rel: str, body: str) -> None:
        client.put_object(Bucket="idx-logs", Key=f"prod/{rel}", Body=body.encode())

    for i in range(6):
        body = failed_log("KeyError: 'x'") if i % 3 == 0 else success_log()
        put(f"dag_id=d{i % 2}/run_id=scheduled__2026-11-0{i + 1}T00:00:00/task_id=t/attempt=1.log", body)
    s = AirflowLogsSettings(
        source="s3://idx-logs/prod",
        s3_endpoint_url=s3_server.endpoint_url,
        index_dir=tmp_path / "index",
        index_lookback_h=0,  # no run is 'recent': list only after the newest key of each DAG
        index_full_relist_h=1000,
    )
    live = LiveIndex(LogAccess(s), s)
    first = live.refresh_now()
    assert first.full_listing and first.listed == 6 and first.analysed == 2
    put("dag_id=d1/run_id=scheduled__2026-11-09T00:00:00/task_id=t/attempt=1.log", failed_log("KeyError: 'y'"))
    second = live.refresh_now()
    assert not second.full_listing and second.listed == 1 and second.changed == 1  # StartAfter: only the new key
    assert live.store.counts() == (7, 3)
    first_key = "prod/dag_id=d0/run_id=scheduled__2026-11-01T00:00:00/task_id=t/attempt=1.log"
    client.delete_object(Bucket="idx-logs", Key=first_key)
    full = live.builder.refresh(full=True)  # type: ignore[union-attr]
    assert full.removed == 1 and live.store.counts() == (6, 2)
    # the batch job writes the index to S3; a second run starts from it
    report = build(s, "s3://idx-logs/oncall/")
    assert report["index"] == "s3://idx-logs/oncall/airflow_logs_index.sqlite" and report["files_indexed"] == 6
    again = build(s, "s3://idx-logs/oncall/")
    assert again["changed"] == 0 and again["files_indexed"] == 6
