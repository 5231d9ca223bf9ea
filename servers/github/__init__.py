"""github server: DAG/task code location, recent changes, blame and confined fix PRs."""
