"""Bytes of one page in, a readable article out: decoding and extraction, used by spiders and `chipwatch parse`.

Extraction is the crawl's heaviest CPU work. `PageParser` runs it in worker processes so the
Scrapy reactor keeps downloading on one core while pages are parsed on the other.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from crawler.encoding import decode_html, read_bom
from crawler.extract import Extracted, ExtractionError, extract
from db import dedup

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# Extraction time grows faster than the page (5 MB: 2 s, 50 MB: 2 minutes), so a bigger page is
# refused, not parsed: no news page is this large. The crawl's DOWNLOAD_MAXSIZE is the same 5 MB.
MAX_PAGE_BYTES = 5 * MB


@dataclass
class ParsedPage:
    article: Extracted
    encoding: str
    replaced: int = 0  # bytes the decode dropped (crawler.encoding.Decoded.replaced)
    minhash: bytes | None = None  # near-duplicate signature of the text, computed for crawls only


def parse_page(body: bytes, url: str | None = None, content_type: str | None = None, forced_encoding: str | None = None) -> ParsedPage:
    """Decode the bytes whatever they claim to be, then extract the article; raises ExtractionError."""
    if len(body) > MAX_PAGE_BYTES:
        raise ExtractionError(f"page is {len(body) / MB:.1f} MB, over the {MAX_PAGE_BYTES // MB} MB that are parsed")
    if looks_binary(body):
        raise ExtractionError("binary data, not a text page")
    decoded = decode_html(body, content_type, forced=forced_encoding)
    return ParsedPage(extract(decoded.text, url=url), decoded.encoding, decoded.replaced)


_CONTROL_BYTES = frozenset(range(0x20)) - frozenset(b"\t\n\r\f\x1b")


def looks_binary(body: bytes, sample: int = 4096) -> bool:
    """True for an image, archive or random bytes (served as text/html): control bytes no text page has.

    Any codec would "decode" such bytes into gibberish; UTF-16 and UTF-32 pages carry NULs but start with a BOM.
    """
    head = body[:sample]
    if not head or read_bom(head)[0]:
        return False
    return sum(1 for b in head if b in _CONTROL_BYTES) > 0.05 * len(head)


def parse_page_for_storage(
    body: bytes, url: str | None = None, content_type: str | None = None, forced_encoding: str | None = None
) -> ParsedPage:
    """parse_page plus the near-duplicate signature the store needs: all of a page's CPU work in one call."""
    parsed = parse_page(body, url, content_type, forced_encoding)
    parsed.minhash = dedup.signature(parsed.article.text)
    return parsed


PARENT_POLL_SECONDS = 0.5


def _init_worker(parent_pid: int) -> None:
    """Run once in each worker: die with the crawl process, then warm up."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="chipwatch-parent-watch", daemon=True).start()
    _warm_up()


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker once the crawl process is gone.

    A crawl killed with -9 cannot shut its pool down. Its worker would then wait forever on a
    queue it holds both ends of, keep the forkserver and resource tracker alive, and hold the
    killed run's stdout and stderr open, so that cron (or any caller reading them) never sees
    the run end.
    """
    while process_alive(parent_pid):
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def process_alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (killed, not yet reaped by its parent) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _warm_up() -> None:
    """Run once in each worker so the first real page does not pay for imports and caches."""
    try:
        parse_page_for_storage(b"<html><body><p>" + "warm up ".encode() * 40 + b"</p></body></html>")
    except Exception:  # a failed warm-up must not break the pool; real pages report their own errors
        logger.exception("page parser warm-up failed")


class PageParser:
    """parse_page in `workers` processes (0: in this process), awaited from Scrapy's asyncio loop."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    async def parse(self, body: bytes, url: str, content_type: str | None, forced_encoding: str | None) -> ParsedPage:
        if self.workers <= 0:
            return parse_page_for_storage(body, url, content_type, forced_encoding)
        if self._pool is None:
            # forkserver: workers start from a clean process, not a fork of the running reactor.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),))
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, parse_page_for_storage, body, url, content_type, forced_encoding)
        except BrokenProcessPool:
            # A worker died (killed, or a crash in a C extension on a hostile page): start afresh
            # for the next pages and report this one.
            self.close()
            raise ExtractionError("the page parser process died on this page") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
