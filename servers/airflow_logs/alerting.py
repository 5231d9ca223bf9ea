"""task_from_alert: the task instance an alert names, as find_failure arguments (nothing is fetched)."""

from __future__ import annotations

from oncall_mcp.servers.airflow_logs.alert import locate
from oncall_mcp.servers.airflow_logs.models import AlertTarget
from oncall_mcp.servers.airflow_logs.next_steps import alert_plan
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.shared.redaction import redact


class AlertTools:
    settings: AirflowLogsSettings

    def task_from_alert(self, alert: str) -> AlertTarget:
        found = locate(alert, self.settings.airflow_host_list)
        f = found.fields
        target = AlertTarget(
            dag_id=f["dag_id"],
            run_id=f.get("run_id"),
            task_id=f.get("task_id"),
            try_number=int(f["try_number"]) if int(f.get("try_number") or 0) >= 1 else None,
            map_index=int(f["map_index"]) if "map_index" in f and int(f["map_index"]) >= 0 else None,
            logical_date=f.get("logical_date"),
            airflow_version=found.airflow_version,
            link=redact(found.url) if found.url else None,
        )
        plan = alert_plan(target)
        return target.model_copy(update={"next_steps": plan.ordered(), "next_steps_text": plan.prose()})
