"""Bytes of one page in, a readable article out: decoding and extraction, used by spiders and `chipwatch parse`.

Extraction is the crawl's heaviest CPU work. `PageParser` runs it in worker processes so the
Scrapy reactor keeps downloading on one core while pages are parsed on the other.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from crawler.encoding import decode_html
from crawler.extract import Extracted, extract

logger = logging.getLogger(__name__)


@dataclass
class ParsedPage:
    article: Extracted
    encoding: str


def parse_page(body: bytes, url: str | None = None, content_type: str | None = None, forced_encoding: str | None = None) -> ParsedPage:
    """Decode the bytes whatever they claim to be, then extract the article; raises ExtractionError."""
    decoded = decode_html(body, content_type, forced=forced_encoding)
    return ParsedPage(extract(decoded.text, url=url), decoded.encoding)


def _warm_up() -> None:
    """Run once in each worker so the first real page does not pay for imports and caches."""
    parse_page(b"<html><body><p>" + "warm up ".encode() * 40 + b"</p></body></html>")


class PageParser:
    """parse_page in `workers` processes (0: in this process), awaited from Scrapy's asyncio loop."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    async def parse(self, body: bytes, url: str, content_type: str | None, forced_encoding: str | None) -> ParsedPage:
        if self.workers <= 0:
            return parse_page(body, url, content_type, forced_encoding)
        if self._pool is None:
            # forkserver: workers start from a clean process, not a fork of the running reactor.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_warm_up)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, parse_page, body, url, content_type, forced_encoding)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
