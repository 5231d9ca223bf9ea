"""The six on-call MCP servers. A server never imports another server."""
