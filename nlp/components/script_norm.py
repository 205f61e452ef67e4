"""`chipwatch_fold_norm_v1`: each token's NORM is its text folded to Simplified (core.script.fold).

The Chinese NER model embeds NORM, so with this component first in its pipeline a Traditional
sentence reaches the network as the Simplified sentence it was trained on. This replaced the
Traditional copy of every training sentence (OpenCC s2t) that the first model trained on: half
the training time, and the fold is the same table extraction, search and the knowledge base use.
Offsets are untouched (the fold is one character for one), so spans land on the original text.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from core.script import fold


class FoldNorm:
    """Set token.norm_ to the lower-cased, Simplified-folded text."""

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            norm = fold(token.lower_)
            if norm != token.norm_:
                token.norm_ = norm
        return doc


@Language.factory("chipwatch_fold_norm_v1")
def make_fold_norm(nlp: Language, name: str) -> FoldNorm:
    return FoldNorm()
