"""ownership: who owns this table, DAG, file or S3 prefix, and whom to page."""
