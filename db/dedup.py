"""Near-duplicate detection that works for Chinese and English alike, at a cost that does not
grow with the corpus.

Texts are compared as sets of character 5-grams over the text with spaces and punctuation
removed, so no word segmentation is needed and Chinese and English are treated the same way.
Each text is summed up once, when it is stored, by a sketch of its shingle set:

- a MinHash signature (NUM_PERM values, by one-permutation hashing), cut into LSH bands: the keys that find candidates
  through an index, and a first, cheap estimate of Jaccard similarity;
- a bottom-k sketch (the BOTTOM_K smallest shingle hashes) and the number of distinct shingles:
  a sharper Jaccard estimate and, with the two sizes, the containment of the smaller text in
  the larger one.

A candidate is a duplicate when one text is mostly contained in the other and they are of
similar size (an aggregator's copy that adds its site name on top and a teaser at the end).
Verification reads the two stored sketches only, never the candidate's text: comparing a new
article with a candidate costs the same whether the corpus holds a hundred articles or a
million.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass

import numpy as np

from db import banners

SHINGLE = 5
NUM_PERM = 128
# 21 bands of 6 rows (126 of the 128 values): a pair becomes a candidate with p = 0.92 at Jaccard
# 0.7 and 0.67 at 0.6, but only 2.6e-4 for two unrelated articles built from one shared set of
# sentence templates (bench/sitegen.py; 32 bands of 4 rows: 1.2e-2). Long bands keep each key's
# list of articles short, so a lookup reads few rows however many articles are stored.
BANDS = 21
ROWS = NUM_PERM // BANDS
BOTTOM_K = 256
MIN_CONTAINMENT = 0.8  # share of the shorter text's shingles found in the longer one
MIN_JACCARD = 0.5  # keeps a short brief quoted inside a long feature from counting as a copy
MIN_SHINGLES = 20  # texts shorter than this are too short to call anything a copy of them
# Candidates whose MinHash estimate of Jaccard is below this are dropped before the bottom-k
# check; with 128 values the estimate's standard deviation at J = 0.5 is 0.044, so this is 3.4
# sigma below MIN_JACCARD.
MIN_ESTIMATED_JACCARD = 0.35

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ROLL = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash over 5 code points
_BIN_BITS = 7  # 2**7 == NUM_PERM bins of one-permutation hashing
_HEADER = struct.Struct("<II")  # distinct shingles, values in the bottom-k sketch


def fingerprint_text(text: str) -> str:
    """Lower-cased, NFKC-folded text with everything but letters and digits removed."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the polynomial hash over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the character 5-grams of the fingerprint text (the
    banner of a republished copy left out, see db/banners.py)."""
    flat = fingerprint_text(banners.cut(text).text)
    if len(flat) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    points = np.frombuffer(flat.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(points) - SHINGLE + 1
    rolled = points[:count].copy()
    with np.errstate(over="ignore"):
        for offset in range(1, SHINGLE):
            rolled = rolled * _ROLL + points[offset : offset + count]
        return np.unique(_mix(rolled))


@dataclass(frozen=True)
class Sketch:
    """What is stored of a text for near-duplicate checks (as bytes: `to_bytes`/`from_bytes`)."""

    shingles: int  # distinct shingles in the text
    minhash: np.ndarray  # NUM_PERM uint32
    bottom_k: np.ndarray  # the smallest min(BOTTOM_K, shingles) shingle hashes, uint32, ascending

    def to_bytes(self) -> bytes:
        return _HEADER.pack(self.shingles, len(self.bottom_k)) + self.minhash.astype("<u4").tobytes() + self.bottom_k.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Sketch:
        shingles, k = _HEADER.unpack_from(blob)
        values = np.frombuffer(blob, dtype="<u4", offset=_HEADER.size)
        if len(values) != NUM_PERM + k:
            raise ValueError(f"not a sketch: {len(blob)} bytes")
        return cls(shingles, values[:NUM_PERM], values[NUM_PERM:])


def sketch(text: str) -> Sketch | None:
    """The text's sketch, or None when it is too short to compare."""
    hashes = shingle_hashes(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    low = np.unique((hashes >> np.uint64(32)).astype(np.uint32))[:BOTTOM_K]
    return Sketch(len(hashes), one_permutation_minhash(hashes), low)


def one_permutation_minhash(hashes: np.ndarray) -> np.ndarray:
    """NUM_PERM MinHash values from one pass (one-permutation hashing, Li et al. 2012).

    The hash range is cut into NUM_PERM bins by the top bits; a bin's value is the smallest hash
    in it, that is the first one in the sorted hashes. Like NUM_PERM independent permutations,
    two texts' values in a bin are equal with probability about their Jaccard similarity, at
    the cost of a sort instead of NUM_PERM passes. A bin no shingle fell into borrows the value
    of the next filled bin (rotation densification, Shrivastava and Li 2014), shifted by the
    distance, so that two texts agree on it only when they agree on the bin it borrowed from.
    """
    bins = hashes >> np.uint64(64 - _BIN_BITS)
    starts = np.searchsorted(bins, np.arange(NUM_PERM, dtype=np.uint64))
    ends = np.searchsorted(bins, np.arange(NUM_PERM, dtype=np.uint64), side="right")
    filled = np.flatnonzero(ends > starts)
    values = ((hashes[starts[filled]] >> np.uint64(64 - _BIN_BITS - 32)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    if len(filled) == NUM_PERM:
        return values
    # for each bin, the first filled bin at or after it (circularly) and how far that is
    position = np.searchsorted(filled, np.arange(NUM_PERM)) % len(filled)
    distance = (filled[position] - np.arange(NUM_PERM)) % NUM_PERM
    with np.errstate(over="ignore"):
        return (values[position] + distance.astype(np.uint32) * np.uint32(0x9E3779B9)).astype(np.uint32)


def signature(text: str) -> bytes | None:
    """The text's sketch as stored (bytes), or None when it is too short to compare.

    The crawler's parser processes compute it beside the extraction; the store computes it for
    imports. Same text, same bytes, in any process (no Python hash() involved).
    """
    found = sketch(text)
    return found.to_bytes() if found is not None else None


def band_keys(found: Sketch | None) -> list[int]:
    """One signed 64-bit key per LSH band of a sketch (none for a text too short to compare)."""
    if found is None:
        return []
    values = found.minhash.astype("<u4").tobytes()
    width = 4 * ROWS
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(bytes([band]) + values[band * width : (band + 1) * width], digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def estimated_jaccard(a: Sketch, b: Sketch) -> float:
    """Share of equal MinHash values: a quick, unbiased estimate of the Jaccard similarity."""
    return float(np.count_nonzero(a.minhash == b.minhash)) / NUM_PERM


def similarity(a: Sketch, b: Sketch) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set in the larger), estimated from the bottom-k sketches.

    The union's bottom-k is the k smallest of both sketches; the share of it found in both is the
    Jaccard estimate (exact when both texts have at most k shingles). With the two set sizes it
    gives the intersection, |A ∩ B| = J (|A| + |B|) / (1 + J), hence the containment.
    """
    union = np.union1d(a.bottom_k, b.bottom_k)[:BOTTOM_K]
    if not len(union):
        return 0.0, 0.0
    common = np.intersect1d(a.bottom_k, b.bottom_k, assume_unique=True)
    jaccard = float(np.count_nonzero(common <= union[-1])) / len(union)
    intersection = jaccard * (a.shingles + b.shingles) / (1 + jaccard)
    return jaccard, min(1.0, intersection / min(a.shingles, b.shingles))


def is_near_duplicate(a: Sketch, b: Sketch) -> bool:
    """True when the smaller text is mostly inside the larger and the two are of similar size."""
    if a.shingles < MIN_SHINGLES or b.shingles < MIN_SHINGLES:
        return False
    if estimated_jaccard(a, b) < MIN_ESTIMATED_JACCARD:
        return False
    jaccard, containment = similarity(a, b)
    return containment >= MIN_CONTAINMENT and jaccard >= MIN_JACCARD
