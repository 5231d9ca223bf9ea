"""Configuration of the github server: `OCM_GITHUB_*` environment variables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from oncall_mcp.servers.github.pathmap import PathRule, parse_rule
from oncall_mcp.shared.settings import ServerSettings, path_problem, server_config

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_FULL = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")

CommaList = Annotated[list[str], NoDecode]


def _split(value: object) -> object:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


class GithubSettings(ServerSettings):
    model_config = server_config("github")

    token: SecretStr | None = Field(None, description="GitHub token (fine-grained PAT or app token)")
    api_url: str = Field("https://api.github.com", description="API base URL; GHE: https://HOST/api/v3")
    repos: CommaList = Field(
        default_factory=list, description="GitHub repos served, `owner/name` or `alias=owner/name`, comma-separated"
    )
    local_repos: CommaList = Field(
        default_factory=list, description="local git checkouts, `name=/path/to/checkout`, comma-separated"
    )
    dag_folders: CommaList = Field(default_factory=lambda: ["dags"], description="repo folders holding DAG files")
    sql_folders: CommaList = Field(
        default_factory=lambda: ["sql", "include/sql"], description="repo folders holding SQL/scripts (besides DAGs)"
    )
    path_map: CommaList = Field(
        default_factory=list,
        description="runtime folders → repo folders, `<runtime folder>=<repo folder>`, comma-separated, e.g. "
        "`/opt/airflow/dags=dags,/opt/airflow/include=include`: paths from tracebacks resolve to repo files",
    )
    max_file_bytes: int = Field(2_000_000, ge=1_000, le=50_000_000, description="refuse to read larger files")
    max_index_files: int = Field(20_000, ge=10, le=500_000, description="most .py files indexed per repo ref")
    timeout_seconds: int = Field(15, ge=1, le=120, description="HTTP/git timeout per call")
    retries: int = Field(3, ge=0, le=10, description="retries on 5xx, rate limit or network failure")
    max_retry_wait_seconds: float = Field(10.0, ge=0, le=300, description="longest Retry-After we wait for")
    seconds_between_writes: float = Field(1.0, ge=0, le=10, description="PyGithub pause between write calls")

    allow_write: bool = Field(False, description="register create_fix_pr")
    write_repos: CommaList = Field(default_factory=list, description="repos create_fix_pr may write to")
    write_dry_run: bool = Field(False, description="create_fix_pr only returns the diff, never writes")
    branch_prefix: str = Field("oncall-fix/", pattern=r"^[A-Za-z0-9._-]+/?$", description="fix branch prefix")
    write_paths: CommaList = Field(
        default_factory=list, description="path prefixes a fix may touch (default: dag_folders + sql_folders)"
    )
    write_suffixes: CommaList = Field(
        default_factory=lambda: [".py", ".sql", ".hql", ".sh", ".yaml", ".yml", ".json", ".md", ".txt"],
        description="file suffixes a fix may touch",
    )
    protected_branches: CommaList = Field(
        default_factory=lambda: ["main", "master", "develop", "release/*", "production"],
        description="branch names/globs never written (besides the default and GitHub-protected branches)",
    )
    max_pr_files: int = Field(5, ge=1, le=50, description="most files one fix PR may change")
    max_pr_bytes: int = Field(200_000, ge=100, le=5_000_000, description="most bytes of new content per PR")
    commit_author: str = Field("oncall-mcp", description="author name of local fix commits")
    commit_email: str = Field("oncall-mcp@localhost", description="author email of local fix commits")

    @field_validator(
        "repos",
        "local_repos",
        "dag_folders",
        "sql_folders",
        "write_repos",
        "write_paths",
        "write_suffixes",
        "protected_branches",
        "path_map",
        mode="before",
    )
    @classmethod
    def _comma(cls, value: object) -> object:
        return _split(value)

    @field_validator("repos")
    @classmethod
    def _check_repos(cls, value: list[str]) -> list[str]:
        for item in value:
            alias, _, full = item.rpartition("=")
            if not _FULL.match(full) or (alias and not _NAME.match(alias)):
                raise ValueError(f"{item!r} is not `owner/name` or `alias=owner/name`")
        return value

    @field_validator("path_map")
    @classmethod
    def _check_path_map(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_rule(item)
        return value

    def path_rules(self) -> list[PathRule]:
        return [parse_rule(item) for item in self.path_map]

    @field_validator("local_repos")
    @classmethod
    def _check_local(cls, value: list[str]) -> list[str]:
        for item in value:
            name, sep, path = item.partition("=")
            if not sep or not _NAME.match(name.strip()) or not path.strip():
                raise ValueError(f"{item!r} is not `name=/path/to/checkout`")
        return value

    @field_validator("dag_folders", "sql_folders", "write_paths")
    @classmethod
    def _check_folders(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            clean = item.strip().strip("/")
            if ".." in clean.split("/") or "\\" in clean:
                raise ValueError(f"folder {item!r} must be a plain repo-relative path")
            out.append(clean)
        return out

    @model_validator(mode="after")
    def _defaults(self) -> GithubSettings:
        if not self.write_paths:
            self.write_paths = list(dict.fromkeys([*self.dag_folders, *self.sql_folders]))
        return self

    def local_map(self) -> dict[str, Path]:
        out: dict[str, Path] = {}
        for item in self.local_repos:
            name, _, path = item.partition("=")
            out[name.strip()] = Path(path.strip()).expanduser()
        return out

    def startup_problems(self) -> list[str]:
        problems = super().startup_problems()
        for name, path in self.local_map().items():
            problem = path_problem(path, folder=True)
            if problem:
                problems.append(f"OCM_GITHUB_LOCAL_REPOS {name}={path}: {problem}")
        return problems

    def remote_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.repos:
            alias, _, full = item.rpartition("=")
            out[alias or full] = full
        return out
