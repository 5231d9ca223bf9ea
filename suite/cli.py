"""`oncall-mcp`: run the demo, serve a server, print a server's least-privilege policy, print client configs, check a
configuration (`doctor`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from oncall_mcp.suite import catalog


def _cmd_serve(args: argparse.Namespace) -> int:
    info = catalog.get(args.server)
    main = catalog.import_attr(f"{info.module}.__main__", "main")
    sys.argv = [info.script, *args.rest]
    main()  # type: ignore[operator]
    return 0


def _cmd_policy(args: argparse.Namespace) -> int:
    info = catalog.get(args.server)
    policy_fn = catalog.import_attr(f"{info.module}.policy", "policy")
    settings = None
    try:
        settings = info.settings_class()()
    except Exception as exc:  # unset or partial config: print the generic policy and say so
        sys.stderr.write(f"note: {info.env_prefix}* settings incomplete ({type(exc).__name__}); generic policy\n")
    print(json.dumps(policy_fn(settings), indent=2))  # type: ignore[operator]
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from oncall_mcp.suite.clientconfig import BARE_COMMAND_WARNING, client_config, where_to_paste

    servers = [catalog.get(s) for s in args.servers] if args.servers else None
    print(json.dumps(client_config(args.client, servers, bare=args.bare), indent=2))
    sys.stderr.write(
        f"paste into:\n{where_to_paste(args.client)}\nfill in the placeholders, then run `oncall-mcp doctor`\n"
    )
    if args.bare:
        sys.stderr.write(f"note: {BARE_COMMAND_WARNING}\n")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from oncall_mcp.suite.doctor import doctor_lines

    for name in args.servers:
        catalog.get(name)
    failed = warned = 0
    for server, check in doctor_lines(args.servers):
        print(check.line(server), flush=True)
        failed += check.status == "fail"
        warned += check.status == "warn"
    print(f"{failed} failed, {warned} warnings" if failed or warned else "all checks passed")
    return 1 if failed else 0


def _cmd_list(_: argparse.Namespace) -> int:
    for info in catalog.SERVERS.values():
        state = "installed" if info.installed() else f"not installed (pip install 'oncall-mcp[{info.extra}]')"
        print(f"{info.script:24} {info.summary}  [{state}]")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from oncall_mcp.suite.demo.run import run_demo

    return run_demo(sandbox=args.sandbox, as_json=args.json, keep=args.keep)


def _cmd_docs(args: argparse.Namespace) -> int:
    from oncall_mcp.suite.docs import run_docs

    return run_docs(check=args.check)


def _cmd_investigate(args: argparse.Namespace) -> int:
    from oncall_mcp.suite.investigate import run_investigation

    return run_investigation(
        dag_id=args.dag_id,
        run_id=args.run_id,
        task_id=args.task_id,
        try_number=args.try_number,
        repo=args.repo,
        as_json=args.json,
        engine=args.engine,
        as_of=args.as_of,
        max_calls=args.max_calls,
        max_tokens=args.max_tokens,
    )


def _cmd_index(args: argparse.Namespace) -> int:
    """Build the airflow_logs failure index as a batch job (see servers/airflow_logs/index/batch.py)."""
    from oncall_mcp.servers.airflow_logs.index.batch import build
    from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

    overrides: dict[str, Any] = {"source": args.source, "index_workers": args.workers}
    if args.log_template:
        overrides["log_template"] = args.log_template
    if args.s3_endpoint_url:
        overrides["s3_endpoint_url"] = args.s3_endpoint_url
    settings = AirflowLogsSettings(**overrides)  # the environment (OCM_AIRFLOW_LOGS_*) fills the rest
    report = build(settings, args.out, full=args.full)
    print(json.dumps(report, indent=2))
    return 0 if report["complete"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oncall-mcp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="build a local sandbox and run the two reference investigations end to end")
    p.add_argument("--sandbox", default="demo-sandbox", help="folder for the sandbox (rebuilt each run)")
    p.add_argument("--json", action="store_true", help="print the investigation as JSON instead of a report")
    p.add_argument("--keep", action="store_true", help="reuse an existing sandbox instead of rebuilding it")
    p.set_defaults(fn=_cmd_demo)

    from oncall_mcp.suite.investigate import EXIT_CODES_HELP

    p = sub.add_parser(
        "investigate",
        help="investigate one failed task by following the configured servers' next steps",
        description="Start from one failed task instance (airflow_logs.find_failure, github.locate_task when a repo "
        "is configured) and follow the servers' next_steps by priority, within a call and token budget. Prints what "
        "is known with evidence, what is unknown and who is notified.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--dag-id", required=True)
    p.add_argument("--run-id", required=True)
    p.add_argument("--task-id", required=True)
    p.add_argument("--try-number", type=int, default=None, help="attempt to investigate (default: the latest)")
    p.add_argument("--repo", default=None, help="github repo holding the DAGs (default: the github server's first)")
    p.add_argument("--engine", default=None, choices=["trino", "spark"], help="engine for SQL checks naming none")
    p.add_argument("--as-of", default=None, help="judge lateness as of this ISO time (default: now)")
    p.add_argument("--max-calls", type=int, default=12, help="tool calls at most (default 12)")
    p.add_argument("--max-tokens", type=int, default=8000, help="tokens returned by all calls at most (default 8000)")
    p.add_argument("--json", action="store_true", help="print the same report as JSON")
    p.set_defaults(fn=_cmd_investigate)

    p = sub.add_parser("serve", help="run one server (same flags as its own command)")
    p.add_argument("server")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(fn=_cmd_serve)

    p = sub.add_parser("policy", help="print the minimal credential policy for a server's configured resources")
    p.add_argument("server")
    p.set_defaults(fn=_cmd_policy)

    p = sub.add_parser("config", help="print an MCP client config for the installed servers")
    p.add_argument("client", choices=["claude", "vscode", "cursor"])
    p.add_argument("servers", nargs="*", help="only these servers (default: all installed)")
    p.add_argument("--bare", action="store_true", help="commands by name from PATH instead of absolute paths")
    p.set_defaults(fn=_cmd_config)

    p = sub.add_parser("doctor", help="check each configured server with this environment: settings, backends, access")
    p.add_argument("servers", nargs="*", help="only these servers (default: all)")
    p.set_defaults(fn=_cmd_doctor)

    p = sub.add_parser(
        "docs", help="regenerate README tools tables (live tool lists), settings tables and examples/ (settings)"
    )
    p.add_argument("--check", action="store_true", help="only check; exit 1 when a README is out of date")
    p.set_defaults(fn=_cmd_docs)

    p = sub.add_parser("index", help="build the airflow_logs failure index as a batch job (servers open it read-only)")
    p.add_argument("action", choices=["build"])
    p.add_argument("--source", required=True, help="log folder or s3://bucket/prefix (Airflow's log location)")
    p.add_argument("--out", required=True, help="output folder, .sqlite file or s3://bucket/key")
    p.add_argument("--workers", type=int, default=8, help="parallel log reads")
    p.add_argument("--log-template", default=None, help="Airflow log_filename_template when not the default")
    p.add_argument("--s3-endpoint-url", default=None, help="S3-compatible endpoint")
    p.add_argument("--full", action="store_true", help="rebuild from scratch instead of updating")
    p.set_defaults(fn=_cmd_index)

    p = sub.add_parser("list", help="list the servers and whether each is installed")
    p.set_defaults(fn=_cmd_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
