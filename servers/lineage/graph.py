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

from oncall_mcp.servers.lineage.events import TERMINAL, ParsedEvent

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
        self._ds_index: dict[tuple[str, str], Dataset] = {}
        self._job_index: dict[tuple[str, str], Job] = {}
        self.events = 0

    def dataset_id(self, namespace: str, name: str) -> int:
        return self._dataset(namespace, name).id

    def _dataset(self, namespace: str, name: str) -> Dataset:
        ds = self._ds_index.get((namespace, name))
        if ds is None:
            namespace, name = sys.intern(namespace), sys.intern(name)
            ds = Dataset(len(self.datasets), namespace, name)
            self.datasets.append(ds)
            self._ds_index[(namespace, name)] = ds
        return ds

    def job_id(self, namespace: str, name: str) -> int:
        return self._job(namespace, name).id

    def _job(self, namespace: str, name: str) -> Job:
        job = self._job_index.get((namespace, name))
        if job is None:
            namespace, name = sys.intern(namespace), sys.intern(name)
            job = Job(len(self.jobs), namespace, name, self.max_runs)
            self.jobs.append(job)
            self._job_index[(namespace, name)] = job
        return job

    def add(self, ev: ParsedEvent) -> None:
        self.events += 1
        job = self._job(ev.job_namespace, ev.job_name)
        jid = job.id
        if ev.owners is not None and ev.owners != job.owners:
            job.owners = tuple(sys.intern(o) for o in ev.owners)
        if ev.dag_id and job.dag_id != ev.dag_id:
            job.dag_id = sys.intern(ev.dag_id)
            job.task_id = sys.intern(ev.task_id) if ev.task_id else None
        for ns, name in ev.inputs:
            ds = self._dataset(ns, name)
            job.inputs.add(ds.id)
            ds.consumers.add(jid)
        outs = []
        for ns, name in ev.outputs:
            ds = self._dataset(ns, name)
            job.outputs.add(ds.id)
            ds.producers.add(jid)
            outs.append(ds)
        self._record_run(job, ev)
        if ev.event_type == "COMPLETE":
            for ds in outs:
                self._record_write(ds, ev.time, jid)

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
        return self._job_index.get((namespace, name))
