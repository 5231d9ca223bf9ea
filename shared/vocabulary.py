"""Names every server uses the same way, so one failure is described identically across the suite."""

from __future__ import annotations

from typing import Literal, get_args

ErrorCategory = Literal[
    "schema_mismatch",
    "syntax",
    "timeout",
    "upstream_not_ready",
    "out_of_memory",
    "killed",
    "permission_denied",
    "connection",
    "rate_limited",
    "service_error",
    "resource_exhausted",
    "resource_missing",
    "dependency_missing",
    "data_quality",
    "user_code",
    "unknown",
]
"""The root-cause category of a failed task: airflow_logs assigns it, ownership routes on it."""

ERROR_CATEGORIES: tuple[str, ...] = get_args(ErrorCategory)
