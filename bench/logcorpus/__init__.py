"""Labelled root-cause corpus for servers/airflow_logs: a generator, used by the benchmark and by tests.

Real error strings (`../shared/reference/real_error_strings.tsv`, plus the well-known wordings of psycopg2, botocore,
dbt, bash and Airflow itself) are injected at known lines into real background logs — the loghub 2k samples in
`../shared/data/loghub/` (research licence: read at run time, never copied into this repository) and lines of the real
Airflow 3.3.2 task logs in `../shared/data/airflow3-logs/` — and rendered in both Airflow task-log formats:

- Airflow 3: JSON lines (`timestamp, level, event`, context, `logger, filename, lineno`), exceptions as structured
  `error_detail` lists (outermost first, causes flagged `is_cause`), captured stdout/stderr as `task.stdout` (info)
  and `task.stderr` (error) — so an error level alone is no failure;
- Airflow 2: text `[ts] {file.py:N} LEVEL - msg`, multi-line tracebacks (Python chains print the root first),
  captured stderr at WARNING.

Files go to Airflow's default layout `dag_id=…/run_id=…/task_id=…/[map_index=N/]attempt=N.log[.gz]` under an output
folder, with `labels.json`: per case the call (dag_id, run_id, task_id, try_number, map_index), the gold line
numbers (1-based in the decompressed file; any of them counts) each with a substring it must contain, or
`no_cause: true` when the cause is not in the log (SIGKILL/OOM kill), the expected `error_category` (+ acceptable
alternatives), the root `exception_type` where there is one, the operator, the case kind and its variants (ansi, crlf,
gzip, map_index). Everything is derived from one seed.

    python -m bench.logcorpus OUT_DIR [--seed 7] [--per-kind 4] [--big-line-mb 50] [--cascade-lines 10000]
"""

from __future__ import annotations

from .cases import Case, generate, plan, write_case
from .data import Data
from .files import fingerprint, read_lines
from .model import ANSI_RE, CATEGORIES

__all__ = ["ANSI_RE", "CATEGORIES", "Case", "Data", "fingerprint", "generate", "plan", "read_lines", "write_case"]
