"""search_logs ranks by meaning: plain words find the error lines that mean them (error concepts, always on), never
INFO/success lines, fewer hits rather than noise; dense embeddings (the semantic extra) add what words miss."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from mcp import Client

from bench.airflow_logs_semantic import HELD_OUT, HELD_OUT_2, NOISE, QUERIES, ROUND_2, build_store, evaluate
from oncall_mcp.servers.airflow_logs.index import concepts
from oncall_mcp.servers.airflow_logs.index.store import IndexStore
from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.nextsteps import assert_steps_runnable


def server_for(tmp_path: Path, **kw: object):
    root = tmp_path / "logs"
    truth = build_store(root)
    settings = AirflowLogsSettings(source=str(root), index_dir=tmp_path / "index", **kw)  # type: ignore[arg-type]
    return build_server(settings), truth


async def search(server, query: str, **args: object) -> dict:
    async with Client(server.mcp) as c:
        r = await c.call_tool("search_logs", {"query": query, **args})
    assert not r.is_error, r.content
    return r.structured_content


async def test_plain_words_find_the_lines_that_mean_them(tmp_path: Path) -> None:
    server, _ = server_for(tmp_path)
    d = await search(server, "memory blew up", limit=10)
    texts = [h["text"] for h in d["hits"]]
    assert "out_of_memory" in d["concepts"]
    oom = ("exceeding memory", "OutOfMemoryError", "MemoryError", "137", "OOMKilled", "memory limit", "allocate memory")
    assert all(any(m in t for m in oom) for t in texts[:5]), texts  # the top five are all out-of-memory lines
    assert any("Container killed by YARN for exceeding memory limits" in t for t in texts)
    assert any("java.lang.OutOfMemoryError" in t for t in texts)
    assert any("137" in t for t in texts)
    d = await search(server, "login no longer valid", limit=5)
    invalid = ("ExpiredToken", "token has expired", "401", "InvalidClientTokenId", "password authentication failed")
    assert all(any(m in h["text"] for m in invalid) for h in d["hits"]), d["hits"]  # no missing-credentials line
    assert any("ExpiredToken" in h["text"] for h in d["hits"]) and any("401" in h["text"] for h in d["hits"])
    d = await search(server, "table was renamed", limit=15)
    texts = " ".join(h["text"] for h in d["hits"])
    assert "TABLE_OR_VIEW_NOT_FOUND" in texts and "no such table" in texts and "UNRESOLVED_COLUMN" in texts
    assert all(0 < h["score"] <= 1 and h["why"] for h in d["hits"])
    assert_steps_runnable(d)


async def test_no_info_lines_and_no_noise(tmp_path: Path) -> None:
    server, _ = server_for(tmp_path)
    for query in ("processed batch rows", "memory usage", "refreshed access token", "table renamed by migration"):
        d = await search(server, query, limit=10)
        assert not any(n in h["text"] for h in d["hits"] for n in NOISE), (query, d["hits"])
    d = await search(server, "the weather is lovely today", limit=10)
    assert d["hits"] == []


async def test_paraphrase_set_without_embeddings(tmp_path: Path) -> None:
    server, truth = server_for(tmp_path)
    sets = {"tuned": QUERIES, "held_out": HELD_OUT, "round_2": ROUND_2, "held_out_2": HELD_OUT_2}
    results = {name: await evaluate(server, truth, queries) for name, queries in sets.items()}
    assert len(QUERIES) >= 60 and results["tuned"]["kinds"] >= 20
    assert all(r["mrr"] >= 0.85 for r in results.values()), results
    assert all(r["info_or_success_hits_in_top5"] == 0 for r in results.values()), results


@pytest.mark.parametrize(
    ("query", "wanted", "not_wanted"),
    [
        ("lost connection to the database", "connection", "executor_lost"),  # the phrase takes "lost"
        ("service account credentials revoked", "credentials_expired", "service_error"),
        ("garbage collector overhead", "out_of_memory", "data_quality"),
    ],
)
def test_a_two_word_cue_takes_its_words(query: str, wanted: str, not_wanted: str) -> None:
    asked = concepts.query_concepts(query)
    assert asked.get(wanted, 0) >= 0.5 and asked.get(not_wanted, 0) < asked[wanted], asked


def test_a_late_partition_is_not_a_missing_table() -> None:
    assert "table_missing" not in concepts.tag("Partition dt=2026-11-21 of table raw.events not found after 12 pokes")
    assert "table_missing" in concepts.tag("Table 'hive.crm.accounts' does not exist")
    assert "table_missing" in concepts.tag("SQL compilation error: Object 'RAW.PUBLIC.ORDERS' does not exist")
    assert "table_missing" not in concepts.tag("(NoSuchKey) when calling the GetObject operation: key does not exist")


async def test_an_index_tagged_by_older_concepts_is_retagged(tmp_path: Path) -> None:
    """A release that changes the concept patterns re-tags the templates of an existing index when it opens it, so
    search_logs' concept layer sees lines the new patterns recognise without a rebuild."""
    server, _ = server_for(tmp_path)
    d = await search(server, "dbt model broke", limit=3)
    assert d["hits"] and "dbt_failed" in d["concepts"]
    path = next((tmp_path / "index").rglob("*.sqlite"))
    old = IndexStore(path)
    con = old.con()
    with con:
        con.execute("DELETE FROM template_concepts WHERE concept = 'dbt_failed'")
        con.execute("UPDATE meta SET v = 'older' WHERE k = 'concepts_version'")
    old.close()
    stale = IndexStore(path, readonly=True)
    assert not stale.con().execute("SELECT 1 FROM template_concepts WHERE concept = 'dbt_failed'").fetchall()
    stale.close()
    fresh = IndexStore(path)
    assert fresh.con().execute("SELECT count(*) FROM template_concepts WHERE concept = 'dbt_failed'").fetchone()[0]
    assert fresh.meta("concepts_version") == concepts.VERSION
    fresh.close()


def tiny_static_model(folder: Path) -> Path:
    """A model2vec-format static model built here from a 12-word vocabulary (no download, no licence question):
    'kaput' and 'wonky' share a direction with the words of out-of-memory lines, 'gatekeeper' with denials."""
    import numpy as np
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    clusters = {
        0: ["kaput", "wonky", "outofmemoryerror", "heap", "memory"],
        1: ["gatekeeper", "accessdenied", "denied", "permission"],
        2: ["[UNK]", "[PAD]", "java"],
    }
    vocab: dict[str, int] = {}
    rows = []
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(len(clusters), 16))
    for cluster, words in clusters.items():
        for word in words:
            vocab[word] = len(vocab)
            rows.append(centres[cluster] + 0.05 * rng.normal(size=16))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    StaticModel(vectors=np.array(rows, dtype=np.float32), tokenizer=tok, normalize=True).save_pretrained(str(folder))
    return folder


@pytest.mark.skipif(importlib.util.find_spec("model2vec") is None, reason="the semantic extra is not installed")
async def test_embeddings_find_what_words_and_concepts_miss(tmp_path: Path) -> None:
    model = tiny_static_model(tmp_path / "model")
    plain, _ = server_for(tmp_path / "a")
    d = await search(plain, "kaput", limit=5)
    assert d["hits"] == [] and d["semantic"] is False
    dense, _ = server_for(tmp_path / "b", semantic_model=str(model))
    d = await search(dense, "kaput", limit=5)
    assert d["semantic"] is True and d["hits"]
    top = d["hits"][0]
    oom = ("OutOfMemoryError", "exceeding memory", "MemoryError", "OOMKilled", "memory limit", "allocate memory")
    assert any(m in top["text"] for m in oom) and "meaning" in top["why"], top
    d = await search(dense, "gatekeeper", limit=5)
    assert "denied" in d["hits"][0]["text"].lower() and d["hits"][0]["why"]


async def test_missing_model_leaves_search_working_and_says_so(tmp_path: Path) -> None:
    server, _ = server_for(tmp_path, semantic_model=str(tmp_path / "no-such-model"))
    d = await search(server, "memory blew up", limit=3)
    assert d["hits"] and d["semantic"] is False and "semantic search off" in d["coverage"]["note"]
