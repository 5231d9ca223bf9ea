"""Synthetic OpenLineage streams for the lineage benchmarks (layered DAG-shaped graphs with locality)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson

NS = "trino://trino:8080"
BASE = 1_714_521_600.0  # 2024-05-01T00:00:00Z
FACETS = {
    "jobType": {"integration": "AIRFLOW", "jobType": "TASK", "processingType": "BATCH"},
    "ownership": {"owners": [{"name": "team:data-platform"}]},
}


def iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat()


def layered(datasets: int, layers: int, window: int, seed: int = 7) -> list[tuple[str, list[int], int]]:
    """(job name, input dataset ids, output dataset id): dataset i of layer L reads 1-3 datasets of layer L-1
    within +-window of its position; layer 0 has no inputs."""
    rng = random.Random(seed)
    width = datasets // layers
    jobs = []
    for d in range(datasets):
        layer, pos = divmod(d, width)
        inputs = []
        if layer:
            for _ in range(rng.randint(1, 3)):
                p = min(width - 1, max(0, pos + rng.randint(-window, window)))
                inputs.append((layer - 1) * width + p)
        jobs.append((f"dag_{d // 20:05d}.task_{d % 20:02d}", sorted(set(inputs)), d))
    return jobs


def ds_name(d: int, width: int) -> str:
    return f"lake.layer{d // width:02d}.table_{d % width:06d}"


def events(
    jobs: list[tuple[str, list[int], int]], width: int, runs: int, fail_every: int = 0, late: set[int] | None = None
) -> Iterator[bytes]:
    """`runs` daily runs per job, START + COMPLETE (or FAIL with an error), as JSON lines."""
    late = late or set()
    for day in range(runs):
        for name, inputs, out in jobs:
            t = BASE + day * 86400 + 3600 + (out // width) * 300
            rid = str(uuid.uuid4())
            fail = (out in late and day == runs - 1) or (fail_every and hash((name, day)) % fail_every == 0)
            ins = [{"namespace": NS, "name": ds_name(i, width), "facets": {}} for i in inputs]
            outs = [{"namespace": NS, "name": ds_name(out, width), "facets": {}}]
            job = {"namespace": "airflow", "name": name, "facets": FACETS}
            for etype, when in (("START", t), ("FAIL" if fail else "COMPLETE", t + 120)):
                run: dict = {"runId": rid, "facets": {}}
                if etype == "FAIL":
                    run["facets"]["errorMessage"] = {
                        "message": "upstream database timed out",
                        "programmingLanguage": "python",
                    }
                yield (
                    orjson.dumps(
                        {
                            "eventTime": iso(when),
                            "eventType": etype,
                            "producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.20.3",
                            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
                            "run": run,
                            "job": job,
                            "inputs": ins,
                            "outputs": outs,
                        }
                    )
                    + b"\n"
                )


def write(path: Path, lines: Iterator[bytes]) -> int:
    n = 0
    with path.open("wb") as fh:
        buf = []
        for line in lines:
            buf.append(line)
            n += 1
            if len(buf) >= 10_000:
                fh.write(b"".join(buf))
                buf = []
        fh.write(b"".join(buf))
    return n
