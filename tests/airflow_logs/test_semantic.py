"""search_logs ranks by meaning: plain words find the error lines that mean them (error concepts, always on), never
INFO/success lines, fewer hits rather than noise; dense embeddings (the semantic extra) add what words miss."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from mcp import Client

from bench.airflow_logs_semantic import HELD_OUT, NOISE, QUERIES, build_store, evaluate
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
    d = await search(server, "memory blew up", limit=5)
    texts = [h["text"] for h in d["hits"]]
    assert "out_of_memory" in d["concepts"]
    assert any("Container killed by YARN for exceeding memory limits" in t for t in texts[:3])
    assert any("java.lang.OutOfMemoryError" in t for t in texts[:3])
    assert any("137" in t for t in texts)
    d = await search(server, "login no longer valid", limit=3)
    assert "ExpiredToken" in d["hits"][0]["text"] or "token has expired" in d["hits"][0]["text"]
    assert any("401" in h["text"] for h in d["hits"])
    d = await search(server, "table was renamed", limit=8)
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
    tuned = await evaluate(server, truth, QUERIES)
    held_out = await evaluate(server, truth, HELD_OUT)
    assert len(QUERIES) >= 60 and tuned["kinds"] >= 20
    assert tuned["mrr"] >= 0.85 and held_out["mrr"] >= 0.85, (tuned, held_out)
    assert tuned["info_or_success_hits_in_top5"] == 0 and held_out["info_or_success_hits_in_top5"] == 0


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
    assert ("OutOfMemoryError" in top["text"] or "exceeding memory" in top["text"]) and "meaning" in top["why"]
    d = await search(dense, "gatekeeper", limit=5)
    assert "denied" in d["hits"][0]["text"].lower() and d["hits"][0]["why"]


async def test_missing_model_leaves_search_working_and_says_so(tmp_path: Path) -> None:
    server, _ = server_for(tmp_path, semantic_model=str(tmp_path / "no-such-model"))
    d = await search(server, "memory blew up", limit=3)
    assert d["hits"] and d["semantic"] is False and "semantic search off" in d["coverage"]["note"]
