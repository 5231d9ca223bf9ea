from oncall_mcp.suite.cli import main

raise SystemExit(main())
