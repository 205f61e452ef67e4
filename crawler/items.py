"""What spiders yield: a stored-to-be article, or a page that could not become one."""

from __future__ import annotations

from dataclasses import dataclass

from core.records import ArticleRecord

# The storage record is the item: one definition of an article's fields, not two.
ArticleItem = ArticleRecord


@dataclass
class FailedPage:
    url: str
    source: str | None
    reason: str
