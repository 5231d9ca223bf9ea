from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.trino.sparkconnect import SparkConnectServer


@pytest.fixture(scope="session", autouse=True)
def _stop_spark_sessions() -> Iterator[None]:
    """Spark sessions started by the server in this process are stopped, so the test process can exit."""
    yield
    if "oncall_mcp.servers.trino.spark_backend" in sys.modules:
        sys.modules["oncall_mcp.servers.trino.spark_backend"].shutdown_all()


@pytest.fixture(scope="session")
def trino_server() -> Iterator[object]:
    """A real Trino (memory + tpch) for the whole session, with memory.default.restaurants."""
    from tests.trino.trinoserver import trino_server as start

    try:
        cm = start()
        server = cm.__enter__()
    except Exception as exc:  # only when it truly cannot start; say so loudly
        banner = f"\n{'!' * 78}\n!! REAL TRINO COULD NOT START: {exc}\n!! Trino engine tests are SKIPPED.\n{'!' * 78}\n"
        sys.stderr.write(banner)
        pytest.skip(f"REAL TRINO COULD NOT START: {exc}")
    try:
        server.query(
            "CREATE TABLE memory.default.restaurants AS SELECT * FROM (VALUES "
            "(1, 'Chez A', DATE '2024-01-05'), (2, 'B Bistro', DATE '2024-03-01'), (3, 'C Cafe', DATE '2024-06-30')) "
            "AS t(id, name, start_date)"
        )
        yield server
    finally:
        cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse folder <schema>/<table>/ of parquet files, written with pyarrow (no Spark needed)."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("warehouse")
    table = root / "reports" / "restaurants"
    table.mkdir(parents=True)
    data = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "name": ["Chez A", "B Bistro", "C Cafe"],
            "start_date": [dt.date(2024, 1, 5), dt.date(2024, 3, 1), dt.date(2024, 6, 30)],
        }
    )
    pq.write_table(data, table / "part-0.parquet")
    for ds, ids in (("2024-06-29", [1, 2]), ("2024-06-30", [3, 4, 5])):
        day = root / "reports" / "daily_orders" / f"ds={ds}"
        day.mkdir(parents=True)
        orders = pa.table({"order_id": pa.array(ids, pa.int64()), "amount": [1.5] * len(ids)})
        pq.write_table(orders, day / "part-0.parquet")
    big = root / "reports" / "big_events"
    big.mkdir()
    n = 20_000
    pq.write_table(pa.table({"id": pa.array(range(n), pa.int64()), "payload": ["x" * 200] * n}), big / "part-0.parquet")
    return root


@pytest.fixture(scope="session")
def spark_connect() -> Iterator[SparkConnectServer]:
    from tests.trino.sparkconnect import spark_connect_server

    with spark_connect_server() as server:
        yield server
