"""Is this article relevant? Decided from the whole article, not only from trigger sentences.

Real news that reports an event often says it in its headline and lead in plain words ("US adds
36 Chinese entities to …", "government summons chip vendor") while no body sentence holds a
trigger word; and a sentence that scores 0.6 in a long digest is weaker evidence than the same
score in a short report whose headline agrees. So the sentence head scores three kinds of
passage — the trigger sentences (candidates), the headline and the lead (the first
LEAD_SENTENCES sentences), the last two whatever words they use — and a small article head
combines those scores with keyword features into one probability (`ArticleHead`).

The article head is a logistic regression (fit with L-BFGS in nlp/events/train.py) whose output
is then calibrated (Platt) and thresholded on real labelled training articles only, never on the
texts the project wrote: on those every score is easier (eval/README.md, reliability table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.records import Mention
from core.script import fold
from nlp.events.lexicon import lexicon_lang, strong_types, trigger_types
from nlp.events.text import sentences

LEAD_SENTENCES = 3

FEATURES = (
    "candidate max",  # the best (sentence, type) probability among trigger sentences
    "candidate pooled",  # 1 - (1-p1)(1-p2) of the best type's two likeliest sentences
    "headline max",  # the sentence head on the headline, trigger or not
    "lead max",  # the sentence head on the first sentences, trigger or not
    "headline x body",  # headline and body agree (product of the two)
    "headline trigger",
    "headline strong phrase",
    "strong sentences",  # log1p(candidates holding a strong phrase)
    "candidates",  # log1p(number of trigger sentences)
    "candidate share",  # trigger sentences / sentences
    "linked products",  # log1p(product mentions linked to the knowledge base)
)


@dataclass
class Passage:
    """A headline or lead sentence as the sentence head reads it (start/end: offsets in the text; the headline has none)."""

    start: int
    end: int
    text: str
    folded: str
    triggers: list[str]
    entities: list[Mention]
    is_headline: bool
    lang: str = ""
    model_text: str = ""  # what the encoder reads: Chinese folded to Simplified, as for candidates

    def __post_init__(self) -> None:
        self.model_text = self.model_text or (self.folded if lexicon_lang(self.lang) == "zh" else self.text)


def passages(text: str, title: str, lang: str, entities: Sequence[Mention], candidate_starts: set[int]) -> list[Passage]:
    """The headline (unless the text starts with it) and the lead sentences that are not already candidates."""
    zh = lexicon_lang(lang) == "zh"
    found = []
    title = " ".join((title or "").split())[:300]
    spans = sentences(text)[:LEAD_SENTENCES]
    first = " ".join(text[spans[0][0] : spans[0][1]].split()) if spans else ""
    if title and title not in first:
        folded = fold(title) if zh else title
        found.append(Passage(-1, -1, title, folded, trigger_types(folded, lang), [], True, lang))
    headline_first = not title or title in first
    for start, end in spans:
        is_headline = headline_first and start == spans[0][0]
        if start in candidate_starts and not is_headline:
            continue
        folded = fold(text[start:end]) if zh else text[start:end]
        inside = [e for e in entities if start <= e.start and e.end <= end]
        has_product = any(e.label == "PRODUCT" and e.entity_id for e in inside)
        found.append(Passage(start, end, text[start:end], folded, trigger_types(folded, lang, has_product), inside, is_headline, lang))
    return found


def article_features(
    candidate_probs: np.ndarray, passage_probs: np.ndarray, passage_items: Sequence[Passage], candidate_folded: Sequence[str],
    lang: str, n_sentences: int, entities: Sequence[Mention],
) -> np.ndarray:  # fmt: skip
    """FEATURES of one article from the sentence head's probabilities (rows: sentences, columns: types)."""
    c_max = float(candidate_probs.max()) if candidate_probs.size else 0.0
    pooled = 0.0
    if candidate_probs.size:
        best = candidate_probs[:, int(candidate_probs.max(axis=0).argmax())]
        top = np.sort(best)[::-1][:2]
        pooled = 1.0 - float(np.prod(1.0 - top))
    headline_rows = [i for i, p in enumerate(passage_items) if p.is_headline]
    lead_rows = [i for i, p in enumerate(passage_items) if not p.is_headline]
    h_max = float(passage_probs[headline_rows].max()) if headline_rows else 0.0
    l_max = float(passage_probs[lead_rows].max()) if lead_rows else 0.0
    headline = [passage_items[i] for i in headline_rows]
    strong = sum(1 for f in candidate_folded if any(strong_types(f, lang)))
    products = sum(1 for e in entities if e.label == "PRODUCT" and e.entity_id)
    return np.array([
        c_max, pooled, h_max, l_max, max(h_max, l_max) * max(c_max, l_max),
        float(any(p.triggers for p in headline)), float(any(any(strong_types(p.folded, lang)) for p in headline)),
        math.log1p(strong), math.log1p(len(candidate_folded)), len(candidate_folded) / max(n_sentences, 1), math.log1p(products),
    ], dtype=np.float64)  # fmt: skip


@dataclass
class ArticleHead:
    """p(relevant) = sigmoid(a * (x @ w + b) + c): the logistic regression, then its Platt calibration
    on real training articles; relevant when p >= threshold (chosen on the same real articles)."""

    weights: np.ndarray
    bias: float
    scale: float = 1.0
    shift: float = 0.0
    threshold: float = 0.5

    def logit(self, features: np.ndarray) -> np.ndarray:
        return np.atleast_2d(features) @ self.weights + self.bias

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.scale * self.logit(features) + self.shift)))

    def to_meta(self) -> dict:
        return {"features": list(FEATURES), "weights": [round(float(w), 6) for w in self.weights], "bias": round(float(self.bias), 6),
                "scale": round(self.scale, 6), "shift": round(self.shift, 6), "threshold": round(self.threshold, 4)}  # fmt: skip

    @classmethod
    def from_meta(cls, meta: dict | None) -> ArticleHead | None:
        if not meta or meta.get("features") != list(FEATURES):
            return None
        return cls(np.array(meta["weights"], dtype=np.float64), float(meta["bias"]), float(meta["scale"]), float(meta["shift"]), float(meta["threshold"]))


def fit_logistic(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = 1e-2) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression by L-BFGS (scipy, training only; the product needs numpy alone)."""
    from scipy.optimize import minimize

    n, d = x.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    w = w / w.sum()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:d] + theta[d]
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(w * (np.logaddexp(0, z) - y * z))) + 0.5 * l2 * float(theta[:d] @ theta[:d])
        g = w * (p - y)
        return value, np.concatenate([x.T @ g + l2 * theta[:d], [g.sum()]])

    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B")
    return result.x[:d], float(result.x[d])
