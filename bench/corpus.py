"""Synthetic articles for storage benchmarks: a shared vocabulary, and copies with banners.

Stories are bench/sitegen.py's generated articles (60 % Chinese, 40 % English), each drawn from
one bank of sentence templates, so any two share much of their wording: the hard case for
near-duplicate lookup, where unrelated articles look alike (Jaccard up to about 0.3). Every
COPY_EVERY-th article is an aggregator's copy of a story a few articles back: a banner on top,
the story, a teaser for another story under it, on another host, naming the story's URL as its
canonical URL. Deterministic per (i, seed).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from bench.sitegen import generated_article, generated_page_path
from core.records import ArticleRecord

COPY_EVERY = 10
COPY_WINDOW = 50  # a copy repeats one of the previous COPY_WINDOW articles
_BANNERS_ZH = ("本文由{site}转载，版权归原作者所有。", "【本文转载自微信公众号{site}，如有侵权请联系删除】")
_BANNERS_EN = ("This article was originally published by {site}.", "Republished with permission from {site}.")


def story_url(i: int) -> str:
    return f"https://news{i % 7}.example{generated_page_path(i)}"


def article(i: int, seed: int = 0) -> ArticleRecord:
    """Article `i`: a story, or (every COPY_EVERY-th) a copy of a story shortly before it."""
    if i % COPY_EVERY == 0 and i > COPY_WINDOW:
        rng = random.Random(f"chipwatch-corpus:{seed}:{i}")
        original = i - rng.randint(1, COPY_WINDOW)
        if original % COPY_EVERY == 0:
            original -= 1
        lang, title, published, paragraphs = generated_article(original, seed)
        site = f"agg{i % 3}.example"
        banner = rng.choice(_BANNERS_ZH if lang == "zh" else _BANNERS_EN).format(site=site)
        teaser = generated_article(i, seed)[1]
        text = "\n\n".join([banner, *paragraphs, ("阅读更多：" if lang == "zh" else "Read more: ") + teaser])
        return ArticleRecord(url=f"https://{site}/a/{i}.html", canonical_url=story_url(original), source=site, lang=lang,
                             title=title, text=text, published_at=published)
    lang, title, published, paragraphs = generated_article(i, seed)
    return ArticleRecord(url=story_url(i), source=f"news{i % 7}", lang=lang, title=title, text="\n\n".join(paragraphs), published_at=published)


def articles(start: int, stop: int, seed: int = 0) -> Iterator[ArticleRecord]:
    """Articles start..stop-1."""
    return (article(i, seed) for i in range(start, stop))
