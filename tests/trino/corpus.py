"""Loads the guard corpus: `--@@`-separated SQL files and a JSONL file of unicode/control-character tricks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from oncall_mcp.servers.trino.guard import Allowlist

CORPUS = Path(__file__).parent / "guard_corpus"

# The allowlists the corpus is checked under (some refusals are allowlist refusals).
ALLOWLISTS = {
    "trino": Allowlist(catalogs=frozenset({"tpch", "memory"}), schemas=frozenset({"tpch.tiny", "memory.default"})),
    "spark": Allowlist(schemas=frozenset({"reports", "default"}), default_schema="default"),
}


@dataclass(frozen=True)
class Case:
    engine: str
    sql: str
    source: str

    def __str__(self) -> str:
        return f"{self.source}: {self.sql[:80]!r}"


def _split(path: Path, engine: str) -> list[Case]:
    blocks = path.read_text(encoding="utf-8").split("\n--@@\n")[1:]
    return [Case(engine, block, f"{path.name}#{n}") for n, block in enumerate(blocks, start=1)]


def refuse_cases() -> list[Case]:
    cases = _split(CORPUS / "refuse_trino.sql", "trino") + _split(CORPUS / "refuse_spark.sql", "spark")
    for n, line in enumerate((CORPUS / "refuse_unicode.jsonl").read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            cases.append(Case(row["engine"], row["sql"], f"refuse_unicode.jsonl#{n}"))
    return cases


def allow_cases(engine: str | None = None) -> list[Case]:
    cases = _split(CORPUS / "allow_trino.sql", "trino") + _split(CORPUS / "allow_spark.sql", "spark")
    return [c for c in cases if engine in (None, c.engine)]
