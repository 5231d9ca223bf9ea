"""Runtime shared by every on-call MCP server: settings, runner, errors, redaction, budget, audit, auth, paths."""
