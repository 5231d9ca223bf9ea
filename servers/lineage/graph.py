"""The in-memory lineage graph: datasets and jobs as small slotted records linked by integer ids.

Memory stays bounded by the number of distinct datasets and jobs, never by the number of events: strings are
interned once, each job keeps at most `max_runs` compact run records, and each dataset at most `WRITE_HISTORY`
write times (enough for a median cadence).
"""

from __future__ import annotations

import sys
from array import array
from collections import deque
from collections.abc import Iterator

from servers.lineage.events import TERMINAL, ParsedEvent

WRITE_HISTORY = 16
_STATE_RANK = {"OTHER": 0, "START": 1, "RUNNING": 2, "COMPLETE": 3, "ABORT": 3, "FAIL": 3}


class Run:
    __slots__ = ("dag_run_id", "end", "error", "run_id", "stack_tail", "start", "state", "try_number")

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.state = "OTHER"
        self.start: float | None = None
        self.end: float | None = None
        self.error: str | None = None
        self.stack_tail: str | None = None
        self.dag_run_id: str | None = None
        self.try_number: int | None = None

    @property
    def when(self) -> float:
        return self.end or self.start or 0.0


class Job:
    __slots__ = ("dag_id", "id", "inputs", "name", "namespace", "outputs", "owners", "runs", "task_id")

    def __init__(self, jid: int, namespace: str, name: str, max_runs: int) -> None:
        self.id = jid
        self.namespace = namespace
        self.name = name
        self.inputs: set[int] = set()
        self.outputs: set[int] = set()
        self.runs: deque[Run] = deque(maxlen=max_runs)
        self.owners: tuple[str, ...] = ()
        self.dag_id: str | None = None
        self.task_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def last_run(self) -> Run | None:
        return max(self.runs, key=lambda r: r.when) if self.runs else None

    def dag(self) -> str:
        """The Airflow DAG of this job: from the airflow/parent facets, else the part of `dag.task` before the dot."""
        if self.dag_id:
            return self.dag_id
        return self.name.split(".", 1)[0]


class Dataset:
    __slots__ = ("consumers", "id", "last_write", "last_writer", "name", "namespace", "producers", "writes")

    def __init__(self, did: int, namespace: str, name: str) -> None:
        self.id = did
        self.namespace = namespace
        self.name = name
        self.producers: set[int] = set()
        self.consumers: set[int] = set()
        self.last_write: float | None = None
        self.last_writer: int | None = None
        self.writes: array[float] | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class LineageGraph:
    def __init__(self, max_runs: int = 20) -> None:
        self.max_runs = max_runs
        self.datasets: list[Dataset] = []
        self.jobs: list[Job] = []
        self._ds_index: dict[tuple[str, str], int] = {}
        self._job_index: dict[tuple[str, str], int] = {}
        self.events = 0
        self.version = 0

    def dataset_id(self, namespace: str, name: str) -> int:
        did = self._ds_index.get((namespace, name))
        if did is None:
            did = len(self.datasets)
            namespace, name = sys.intern(namespace), sys.intern(name)
            self.datasets.append(Dataset(did, namespace, name))
            self._ds_index[(namespace, name)] = did
        return did

    def job_id(self, namespace: str, name: str) -> int:
        jid = self._job_index.get((namespace, name))
        if jid is None:
            jid = len(self.jobs)
            namespace, name = sys.intern(namespace), sys.intern(name)
            self.jobs.append(Job(jid, namespace, name, self.max_runs))
            self._job_index[(namespace, name)] = jid
        return jid

    def add(self, ev: ParsedEvent) -> None:
        self.events += 1
        self.version += 1
        job = self.jobs[self.job_id(ev.job_namespace, ev.job_name)]
        if ev.owners is not None:
            job.owners = tuple(sys.intern(o) for o in ev.owners)
        if ev.dag_id and job.dag_id != ev.dag_id:
            job.dag_id = sys.intern(ev.dag_id)
            job.task_id = sys.intern(ev.task_id) if ev.task_id else None
        out_ids = []
        for ns, name in ev.inputs:
            did = self.dataset_id(ns, name)
            job.inputs.add(did)
            self.datasets[did].consumers.add(job.id)
        for ns, name in ev.outputs:
            did = self.dataset_id(ns, name)
            job.outputs.add(did)
            self.datasets[did].producers.add(job.id)
            out_ids.append(did)
        self._record_run(job, ev)
        if ev.event_type == "COMPLETE":
            for did in out_ids:
                self._record_write(self.datasets[did], ev.time, job.id)

    def _record_run(self, job: Job, ev: ParsedEvent) -> None:
        run = None
        for candidate in reversed(job.runs):
            if candidate.run_id == ev.run_id:
                run = candidate
                break
        if run is None:
            if len(job.runs) == job.runs.maxlen and job.runs and ev.time < min(r.when for r in job.runs):
                return  # older than every kept run: would be evicted at once
            run = Run(ev.run_id)
            job.runs.append(run)
        if _STATE_RANK[ev.event_type] >= _STATE_RANK[run.state]:
            run.state = ev.event_type
        if ev.event_type in TERMINAL:
            run.end = ev.time if run.end is None else max(run.end, ev.time)
        elif run.start is None or ev.time < run.start:
            run.start = ev.time
        if ev.error:
            run.error = ev.error
            run.stack_tail = ev.stack_tail
        if ev.dag_run_id:
            run.dag_run_id = ev.dag_run_id
        if ev.try_number is not None:
            run.try_number = ev.try_number

    @staticmethod
    def _record_write(ds: Dataset, when: float, job_id: int) -> None:
        if ds.last_write is None or when >= ds.last_write:
            ds.last_write = when
            ds.last_writer = job_id
        writes = ds.writes
        if writes is None:
            ds.writes = array("d", [when])
            return
        if when in writes:
            return
        if when >= writes[-1]:
            writes.append(when)
        else:
            pos = next(i for i, w in enumerate(writes) if w > when)
            writes.insert(pos, when)
        if len(writes) > WRITE_HISTORY:
            del writes[0]

    # --- walks -------------------------------------------------------------------------------------------------

    def parents(self, did: int) -> Iterator[tuple[int, int]]:
        """(input dataset, via job) pairs for every job that writes `did`."""
        for jid in self.datasets[did].producers:
            for src in self.jobs[jid].inputs:
                yield src, jid

    def children(self, did: int) -> Iterator[tuple[int, int]]:
        """(output dataset, via job) pairs for every job that reads `did`."""
        for jid in self.datasets[did].consumers:
            for dst in self.jobs[jid].outputs:
                yield dst, jid

    def find_job(self, namespace: str, name: str) -> Job | None:
        jid = self._job_index.get((namespace, name))
        return None if jid is None else self.jobs[jid]
