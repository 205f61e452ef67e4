"""Sketches: estimates from stored sketches agree with exact shingle sets; banners cut once."""

import random

import pytest

from db import banners, dedup


def _text(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


@pytest.fixture(scope="module")
def vocabulary():
    rng = random.Random(7)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(3000)]


def exact(a: str, b: str) -> tuple[float, float]:
    x, y = set(dedup.shingle_hashes(a).tolist()), set(dedup.shingle_hashes(b).tolist())
    return len(x & y) / len(x | y), len(x & y) / min(len(x), len(y))


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 1.0])
def test_estimates_from_sketches_are_close_to_the_exact_figures(vocabulary, keep):
    rng = random.Random(int(keep * 10))
    base = _text(rng, vocabulary, 600)
    copy = " ".join(base.split()[: int(600 * keep)]) + " " + _text(rng, vocabulary, 40)
    jaccard, containment = dedup.similarity(dedup.sketch(base), dedup.sketch(copy))
    want_j, want_c = exact(base, copy)
    assert abs(jaccard - want_j) < 0.08 and abs(containment - want_c) < 0.08
    assert abs(dedup.estimated_jaccard(dedup.sketch(base), dedup.sketch(copy)) - want_j) < 0.15


def test_sketches_round_trip_through_bytes_and_are_the_same_in_every_process(vocabulary):
    text = _text(random.Random(1), vocabulary, 300)
    sketch = dedup.sketch(text)
    again = dedup.Sketch.from_bytes(sketch.to_bytes())
    assert again.shingles == sketch.shingles and (again.minhash == sketch.minhash).all() and (again.bottom_k == sketch.bottom_k).all()
    assert dedup.signature(text) == sketch.to_bytes()
    assert len(dedup.band_keys(sketch)) == dedup.BANDS


def test_short_texts_have_no_sketch():
    assert dedup.sketch("短讯") is None and dedup.band_keys(None) == []


def test_unrelated_texts_of_one_vocabulary_share_no_band(vocabulary):
    rng = random.Random(3)
    keys = [set(dedup.band_keys(dedup.sketch(_text(rng, vocabulary, 300)))) for _ in range(60)]
    assert sum(1 for i in range(60) for j in range(i) if keys[i] & keys[j]) <= 2


def test_the_sketch_ignores_a_banner_and_cutting_twice_cuts_nothing_more():
    story = "美国商务部工业和安全局周二宣布，将十二家中国企业列入实体清单，限制其获得先进芯片制造设备。"
    copy = f"本文由聚合网转载，版权归原作者所有。\n{story}\n（原标题：十二家企业被列入实体清单）"
    assert banners.cut(copy).text == story
    assert banners.cut(banners.cut(copy).text).banners == []
    assert dedup.signature(copy) == dedup.signature(story)
    assert banners.cut("本文由聚合网转载。").text == "本文由聚合网转载。"  # nothing but a banner: left as it is
