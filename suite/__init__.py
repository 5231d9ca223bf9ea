"""The suite as users meet it: the `oncall-mcp` CLI, the demo sandbox and the reference investigation client.

Everything here is an MCP *client* of the servers (it starts them as subprocesses and talks the protocol), so it may
know every server; the servers never import it.
"""
