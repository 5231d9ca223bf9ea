"""Real material read at run time from ../shared: loghub samples, Airflow 3 task logs, real error strings."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("OCM_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
LOGHUB = SHARED / "data" / "loghub"
AIRFLOW3_LOGS = SHARED / "data" / "airflow3-logs"
ERROR_STRINGS = SHARED / "reference" / "real_error_strings.tsv"
BACKGROUND_ERRORS = re.compile(r"ERROR|FATAL|SEVERE|Exception|exception|Traceback|Caused by")


class Data:
    """Real material read at run time from ../shared (never copied into the repository)."""

    def __init__(self, shared: Path = SHARED) -> None:
        loghub = shared / "data" / "loghub"
        self.raw: dict[str, list[str]] = {}
        self.clean: dict[str, list[str]] = {}
        for name in ("Spark", "Hadoop", "HDFS", "OpenStack", "Zookeeper"):
            lines = (loghub / f"{name}_2k.log").read_text(encoding="utf-8", errors="replace").splitlines()
            lines = [ln.rstrip("\r") for ln in lines if ln.strip()]
            self.raw[name] = lines
            self.clean[name] = [ln for ln in lines if not BACKGROUND_ERRORS.search(ln)]
        self.a3_pre, self.a3_post = self._airflow3(shared / "data" / "airflow3-logs")
        self.error_strings = (shared / "reference" / "real_error_strings.tsv").read_text(encoding="utf-8")

    @staticmethod
    def _airflow3(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        path = next(folder.glob("dag_id=*/run_id=*/task_id=dbt_run/attempt=1.log"))
        records = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        events = [r["event"] for r in records]
        pre = records[: events.index("::endgroup::") + 1]
        post = records[events.index("::group::Post Execute") :]
        return pre, post
