"""The six on-call MCP servers. A server never imports another server."""

SERVER_NAMES = ("airflow_logs", "github", "trino", "openmetadata", "lineage", "ownership")
