"""`LogService`: every airflow_logs tool over one log source. The logic lives in one module per seam:

- access.py: storage, resolving attempts, scanning one log, the outcome at its end, the multi-log prologue
- attempts.py: list_attempts, compare_attempts
- failure.py: find_failure (rank and report one attempt)
- reading.py: read_log
- history.py: list_failed_tasks, search_logs, error_signatures
- alerting.py: task_from_alert (parses a link or alert text; reads no log)
"""

from __future__ import annotations

from oncall_mcp.servers.airflow_logs.alerting import AlertTools
from oncall_mcp.servers.airflow_logs.attempts import AttemptTools
from oncall_mcp.servers.airflow_logs.failure import FailureTools
from oncall_mcp.servers.airflow_logs.history import HistoryTools
from oncall_mcp.servers.airflow_logs.reading import ReadingTools


class LogService(AttemptTools, FailureTools, ReadingTools, HistoryTools, AlertTools):
    """The tools server.py declares; construct with the server's AirflowLogsSettings."""
