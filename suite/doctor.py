"""`oncall-mcp doctor`: check each installed server with the current environment, one line per check with the fix
(like `gh auth status` or `dbt debug`). The checks live in each server's `doctor.py` (`checks(settings)`)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping, Sequence

from pydantic import ValidationError
from pydantic_settings import SettingsError

from oncall_mcp.shared.doctor import Check, fail, ok, skip
from oncall_mcp.shared.settings import describe_settings_error, describe_validation_error
from oncall_mcp.suite.catalog import SERVERS, ServerInfo


def server_checks(info: ServerInfo, environ: Mapping[str, str]) -> list[Check]:
    """Settings first (a server that would refuse to start stops here), then the server's own checks."""
    if not info.installed():
        return [skip("installed", f"not installed (pip install 'oncall-mcp[{info.extra}]')")]
    mine = [k for k in environ if k.upper().startswith(info.env_prefix)]
    if not mine and not info.configured(dict(environ)):
        need = " or ".join(info.required_env) or f"{info.env_prefix}*"
        return [skip("configured", f"no {info.env_prefix}* variable set (set {need})")]
    cls = info.settings_class()
    try:
        settings = cls()
    except ValidationError as exc:
        return [fail("settings valid", describe_validation_error(cls, exc), "fix the variable named")]
    except SettingsError as exc:
        return [fail("settings valid", describe_settings_error(cls, exc), "fix the variable named")]
    out = [ok("settings valid", f"{len(mine)} {info.env_prefix}* variables")]
    module = importlib.import_module(f"{info.module}.doctor")
    try:
        out += module.checks(settings)
    except Exception as exc:  # a check module must not take the doctor down with it
        out.append(fail("checks ran", f"{type(exc).__name__}: {str(exc)[:200]}", "report this as a bug"))
    return out


def doctor_lines(names: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> Iterator[tuple[str, Check]]:
    env = os.environ if environ is None else environ
    chosen = [SERVERS[n.replace("-", "_")] for n in names] if names else list(SERVERS.values())
    for info in chosen:
        for check in server_checks(info, env):
            yield info.name, check
