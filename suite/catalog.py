"""What the suite knows about each server: module, console script, the extra that installs it, its key settings."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import re
from dataclasses import dataclass, field
from typing import get_args

from pydantic import SecretStr

from oncall_mcp.shared.settings import ServerSettings, env_name


def extra_distributions(extra: str) -> tuple[str, ...]:
    """The distributions the `oncall-mcp[<extra>]` extra installs, read from the installed package's metadata (the
    one list, pyproject.toml's optional-dependencies), so this can never drift from what pip installs."""
    names = []
    for requirement in importlib.metadata.requires("oncall-mcp") or []:
        spec, _, marker = requirement.partition(";")
        if re.search(rf"extra\s*==\s*[\"']{re.escape(extra)}[\"']", marker):
            names.append(re.split(r"[\s\[<>=!~(]", spec.strip(), maxsplit=1)[0])
    return tuple(names)


def distribution_installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class ServerInfo:
    """One server. Settings are named by field; their variable names come from the server's settings class, so a
    printed config, a README table and the demo's text cannot name a variable the server does not read."""

    name: str
    summary: str
    required: tuple[str, ...]  # settings that must be set; "a|b": either
    template: dict[str, str] = field(default_factory=dict)  # setting -> placeholder printed in client configs
    grants: str = ""  # the credential it needs, in a few words (the demo's closing text)

    @property
    def module(self) -> str:
        return f"oncall_mcp.servers.{self.name}"

    @property
    def script(self) -> str:
        return f"oncall-{self.name.replace('_', '-')}"

    @property
    def extra(self) -> str:
        return self.name.replace("_", "-")

    @property
    def env_prefix(self) -> str:
        return f"OCM_{self.name.upper()}_"

    def settings_class(self) -> type[ServerSettings]:
        """The server's `ServerSettings` subclass (its settings module needs no optional library)."""
        module = importlib.import_module(f"{self.module}.settings")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, ServerSettings) and obj is not ServerSettings and obj.__module__ == module.__name__:
                return obj
        raise LookupError(f"{module.__name__} defines no ServerSettings subclass")

    def env_var(self, setting: str) -> str:
        """The environment variable of one of the server's settings; a name it does not have is an error."""
        cls = self.settings_class()
        if setting not in cls.model_fields:
            raise KeyError(f"{cls.__name__} has no setting {setting!r}")
        return env_name(cls, setting)

    @property
    def required_env(self) -> tuple[str, ...]:
        return tuple("|".join(self.env_var(s) for s in need.split("|")) for need in self.required)

    @property
    def env_example(self) -> dict[str, str]:
        """Variable -> placeholder, in template order (what `oncall-mcp config` prints)."""
        return {self.env_var(setting): value for setting, value in self.template.items()}

    @property
    def secret_env(self) -> tuple[str, ...]:
        """Template variables holding secrets (typed `SecretStr`): VS Code asks for them instead of storing them."""
        fields = self.settings_class().model_fields
        return tuple(
            self.env_var(s)
            for s in self.template
            if SecretStr in (fields[s].annotation, *get_args(fields[s].annotation))
        )

    def configured(self, environ: dict[str, str] | None = None) -> bool:
        """True when every required setting (`A|B`: either) is present in the environment."""
        env = os.environ if environ is None else environ
        return all(any(env.get(v) for v in need.split("|")) for need in self.required_env)

    def installed(self) -> bool:
        """True when the server's package and its extra's libraries are importable."""
        try:
            if importlib.util.find_spec(f"{self.module}.server") is None:
                return False
        except ModuleNotFoundError:
            return False
        return all(distribution_installed(dist) for dist in extra_distributions(self.extra))


SERVERS: dict[str, ServerInfo] = {
    s.name: s
    for s in (
        ServerInfo(
            "airflow_logs",
            "which attempt failed, the root-cause lines, seen before?",
            ("source",),
            {"source": "s3://<airflow-logs-bucket>/<prefix>"},
            "S3 GetObject + ListBucket on that prefix",
        ),
        ServerInfo(
            "github",
            "where the task's code is, what changed, open a fix PR",
            ("token|local_repos",),
            {"local_repos": "pipelines=/path/to/checkout", "token": "<fine-grained read token>"},
            "a fine-grained token with contents:read, or a local checkout",
        ),
        ServerInfo(
            "trino",
            "read-only diagnostic SQL on Trino and Spark, fix validation, engine metrics",
            (),
            {
                "host": "<trino host>",
                "port": "443",
                "http_scheme": "https",
                "user": "<read-only user>",
                "password": "<password>",
            },
            "a user with SELECT-only grants",
        ),
        ServerInfo(
            "openmetadata",
            "table and column schema, schema history, column suggestions",
            ("host|catalog",),
            {"host": "https://<openmetadata>/api", "token": "<bot JWT>"},
            "a bot JWT with view rights",
        ),
        ServerInfo(
            "lineage",
            "upstream/downstream walks, late upstream, blast radius",
            ("events",),
            {"events": "s3://<bucket>/<openlineage-prefix>", "expectations": "/path/to/expectations.yaml"},
            "S3 GetObject + ListBucket on the OpenLineage file transport prefix",
        ),
        ServerInfo(
            "ownership",
            "who owns this table/DAG/file, and whom to page",
            ("registry",),
            {"registry": "/path/to/ownership.yaml"},
            "read access to the registry file (and a checkout with CODEOWNERS)",
        ),
    )
}


def get(name: str) -> ServerInfo:
    key = name.replace("-", "_")
    if key not in SERVERS:
        raise SystemExit(f"unknown server {name!r}; choose one of: {', '.join(s.extra for s in SERVERS.values())}")
    return SERVERS[key]


def import_attr(module: str, attr: str) -> object:
    return getattr(importlib.import_module(module), attr)
