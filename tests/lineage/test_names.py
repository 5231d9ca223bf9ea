"""Dataset-name resolution tiers: key, name, namespace path, service prefix, suffix; ambiguity; candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.suite.demo.openlineage import task_run
from tests.client import call, call_error, connected
from tests.lineage.helpers import T0, make_server


def write(ns_out: str, name_out: str, ns_in: str = "s3://landing", name_in: str = "orders/2024") -> list[dict]:
    return task_run("ingest.load", T0, T0, inputs=[(ns_in, name_in)], outputs=[(ns_out, name_out)])


@pytest.mark.parametrize(
    ("ns", "name", "query", "tier"),
    [
        ("trino://trino:8080", "lake.raw.orders", "trino://trino:8080/lake.raw.orders", "key"),
        ("trino://trino:8080", "lake.raw.orders", "lake.raw.orders", "name"),
        ("trino://trino:8080", "lake.raw.orders", "LAKE.Raw.Orders", "name"),
        ("trino://trino:443/lake", "raw.orders", "lake.raw.orders", "namespace_path"),
        ("postgres://db:5432/shop", "public.orders", "shop.public.orders", "namespace_path"),
        ("trino://trino:8080", "lake.raw.orders", "prod_trino.lake.raw.orders", "service_prefix"),
        ("trino://trino:443/lake", "raw.orders", "prod_trino.lake.raw.orders", "service_prefix"),
        ("trino://trino:8080", "lake.raw.orders", "raw.orders", "suffix"),
    ],
)
async def test_resolution_tiers(tmp_path: Path, ns: str, name: str, query: str, tier: str) -> None:
    r = await call(make_server(tmp_path, write(ns, name)), "upstream", dataset=query, depth=1)
    res = r["resolved"]
    assert res["dataset"] == f"{ns}/{name}" and res["matched_by"] == tier and res["explanation"]


async def test_input_keys_with_slashes_resolve(tmp_path: Path) -> None:
    server = make_server(tmp_path, write("trino://t:1", "lake.raw.orders"))
    r = await call(server, "upstream", dataset="s3://landing/orders/2024", depth=1)
    assert r["resolved"]["matched_by"] == "key"


async def test_ambiguous_name_lists_the_keys(tmp_path: Path) -> None:
    events = write("trino://prod:8080", "lake.raw.orders") + write("trino://staging:8080", "lake.raw.orders")
    server = make_server(tmp_path, events)
    text = await call_error(server, "upstream", dataset="lake.raw.orders", depth=1)
    assert "ambiguous" in text and "trino://prod:8080/lake.raw.orders" in text and "trino://staging:8080" in text
    await call(server, "upstream", dataset="trino://staging:8080/lake.raw.orders", depth=1)


async def test_unknown_dataset_gives_candidates(tmp_path: Path) -> None:
    server = make_server(tmp_path, write("trino://t:1", "lake.raw.orders"))
    text = await call_error(server, "upstream", dataset="lake.raw.order", depth=1)
    assert "not found" in text and "closest: trino://t:1/lake.raw.orders" in text


async def test_unknown_job_gives_candidates(tmp_path: Path) -> None:
    server = make_server(tmp_path, write("trino://t:1", "lake.raw.orders"))
    async with connected(server) as client:
        error = await client.call_error("job_runs", job="ingest.lod")
        ok = await client.call("job_runs", job="airflow/ingest.load")
    assert "closest: ingest.load" in error
    assert ok["job"]["job"] == "ingest.load"
