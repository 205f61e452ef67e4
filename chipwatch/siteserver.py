"""Serve a manifest news site on 127.0.0.1: the site `chipwatch demo` crawls.

A manifest site is a directory holding a ``site.toml`` (the demo site in ``chipwatch/demo_site/``,
or a small site under ``tests/sites/``). Each ``[[page]]`` is served exactly as described,
including the things real sites get wrong: no or false charsets, legacy encodings, truncated
bodies, errors, empty bodies and an oversized generated page. ``{base}`` in a file becomes the
server's base URL, because feeds, sitemaps and canonical links need absolute URLs. It runs a real
``ThreadingHTTPServer`` in a daemon thread on an ephemeral port::

    with serve_site() as base_url:              # e.g. "http://127.0.0.1:41873"
        ...

    python -m chipwatch.siteserver [--port N] [--site DIR] [-v]

The benchmarks' generated site of N synthetic articles (bench/sitegen.py) is served by the same
`serve`.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from chipwatch.demo_dates import shift_dates
from crawler.sources import read_toml

logger = logging.getLogger(__name__)

DEMO_SITE_DIR = Path(__file__).with_name("demo_site")
KINDS = frozenset(
    {"article", "feed", "sitemap", "section", "robots", "other", "broken", "aggregator_copy", "large", "blocked"}
)
CHUNK_SIZE = 64 * 1024
_LARGE_RE = re.compile(r"large:(\d+)")
_MIN_LARGE = 1024


class SiteError(ValueError):
    """A site.toml that cannot be served: unknown key, missing file, unencodable text ..."""


@dataclass(frozen=True)
class Page:
    """One [[page]] of a site.toml manifest."""

    path: str
    file: str = ""
    content_type: str = "text/html; charset=utf-8"
    encoding: str = "utf-8"
    status: int = 200
    truncate: int = 0
    generate: str = ""
    lang: str = ""
    kind: str = "other"
    expect: str = ""


_PAGE_FIELDS = frozenset(f.name for f in fields(Page))


def load_manifest(site_dir: Path | str | None = None) -> list[Page]:
    """Read and validate `site_dir`/site.toml (default: the demo site) and return its pages in order.

    Raises SiteError naming the page and the problem, so a typo in a fixture fails at start-up
    rather than as a confusing 500 in the middle of a crawl test.
    """
    directory = Path(site_dir) if site_dir is not None else DEMO_SITE_DIR
    manifest = directory / "site.toml"
    data = read_toml(manifest, SiteError, "manifest")
    tables = data.get("page")
    if not isinstance(tables, list) or not tables:
        raise SiteError(f"{manifest}: no [[page]] tables")

    pages: list[Page] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        page = _parse_page(manifest, index, table)
        if page.path in seen:
            raise SiteError(f"{manifest}: page #{index} ({page.path}): duplicate path")
        seen.add(page.path)
        pages.append(page)
    return pages


def _parse_page(manifest: Path, index: int, table: dict[str, Any]) -> Page:
    """Validate one [[page]] table against the files beside the manifest."""
    label = f"{manifest}: page #{index}" + (f" ({table['path']})" if isinstance(table.get("path"), str) else "")
    unknown = sorted(set(table) - _PAGE_FIELDS)
    if unknown:
        raise SiteError(f"{label}: unknown key(s) {', '.join(unknown)}")
    for key, value in table.items():
        wanted = int if key in ("status", "truncate") else str
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise SiteError(f"{label}: {key} must be {wanted.__name__}, not {value!r}")
    if "path" not in table or not table["path"].startswith("/") or "?" in table["path"]:
        raise SiteError(f"{label}: path must start with / and have no query string")
    page = Page(**table)
    if page.kind not in KINDS:
        raise SiteError(f"{label}: kind {page.kind!r} is not one of {', '.join(sorted(KINDS))}")
    if not 100 <= page.status <= 599 or page.truncate < 0:
        raise SiteError(f"{label}: bad status or truncate")
    try:
        codecs.lookup(page.encoding)
    except LookupError:
        raise SiteError(f"{label}: unknown encoding {page.encoding!r}") from None
    if page.generate:
        match = _LARGE_RE.fullmatch(page.generate)
        if not match or int(match.group(1)) < _MIN_LARGE:
            raise SiteError(f"{label}: generate must be 'large:N' with N >= {_MIN_LARGE}")
    elif page.file:
        file = manifest.parent / page.file
        if not file.is_file():
            raise SiteError(f"{label}: no such file {file}")
        try:
            file.read_text(encoding="utf-8").encode(page.encoding)
        except UnicodeError as exc:
            raise SiteError(f"{label}: {page.file} cannot be served as {page.encoding}: {exc}") from None
    return page


# ---------------------------------------------------------------------------- responses


@dataclass(frozen=True)
class Reply:
    """What the handler sends: status, headers and a body produced in chunks."""

    status: int
    content_type: str
    length: int
    chunks: Callable[[], Iterable[bytes]]
    location: str = ""


class _Site(Protocol):
    def reply(self, path: str) -> Reply | None: ...


def bytes_reply(body: bytes, content_type: str, status: int = 200) -> Reply:
    return Reply(status, content_type, len(body), lambda: (body,))


NOT_FOUND = bytes_reply(
    b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
    b"<body><h1>404 Not Found</h1></body></html>\n",
    "text/html; charset=utf-8",
    404,
)


class _ManifestSite:
    """The pages of a site.toml, encoded once for one base URL."""

    def __init__(self, site_dir: Path, pages: list[Page], base_url: str, shift_days: int = 0) -> None:
        self._replies: dict[str, Reply] = {}
        for page in pages:
            if page.generate:
                size = int(page.generate.split(":", 1)[1])
                reply = Reply(page.status, page.content_type, size, lambda size=size: _large_body(size))
            else:
                text = (site_dir / page.file).read_text(encoding="utf-8") if page.file else ""
                body = shift_dates(text, shift_days).replace("{base}", base_url).encode(page.encoding)
                if page.truncate:
                    body = body[: page.truncate]
                reply = bytes_reply(body, page.content_type, page.status)
            self._replies[shift_dates(page.path, shift_days)] = reply

    def reply(self, path: str) -> Reply | None:
        found = self._replies.get(path)
        if found is None and not path.endswith("/") and path + "/" in self._replies:
            # What a real server does for a directory asked for without its slash.
            return Reply(301, "text/html; charset=utf-8", 0, lambda: (), location=path + "/")
        return found


def _large_body(size: int) -> Iterator[bytes]:
    """Exactly `size` bytes of valid HTML: one long annex table, produced a chunk at a time."""
    head = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>2026年全球半导体出口管制年度报告（全文） - 芯闻示例网</title>\n</head>\n<body>\n"
        "<h1>2026年全球半导体出口管制年度报告（全文）</h1>\n<table class=\"annex\">\n"
    ).encode()
    row = (
        "<tr><td>附表</td><td>各国和地区半导体出口管制措施汇总（续）</td>"
        "<td>Annex: export-control measures by jurisdiction (continued)</td></tr>\n"
    ).encode()
    tail = b"</table>\n</body>\n</html>\n"
    remaining = size - len(head) - len(tail)
    block = row * max(1, CHUNK_SIZE // len(row))
    yield head
    while remaining >= len(block):
        yield block
        remaining -= len(block)
    rows, spaces = divmod(remaining, len(row))
    yield row * rows + b" " * spaces
    yield tail


# ---------------------------------------------------------------------------- the server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: _Site
    verbose: bool = False
    requested: list[str] | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-body (a crawler's size cap) is normal here, not an error."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        logger.exception("error serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "ChipwatchDemo/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, as real news servers do; every reply has a Content-Length
    timeout = 30  # drop idle keep-alive connections so old servers' threads end

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        if self.server.requested is not None:
            self.server.requested.append(self.path)
        path = unquote(self.path.split("?", 1)[0].split("#", 1)[0])
        reply = self.server.site.reply(path) or NOT_FOUND
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        if reply.location:
            self.send_header("Location", reply.location)
        self.send_header("Content-Length", str(reply.length))
        self.end_headers()
        if not send_body:
            return
        try:
            for chunk in reply.chunks():
                self.wfile.write(chunk)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        if self.server.verbose:
            super().log_message(format, *args)


@contextlib.contextmanager
def serve(
    make_site: Callable[[str], _Site], host: str, port: int, verbose: bool, requested: list[str] | None = None
) -> Iterator[str]:
    """Bind, build the site for the bound base URL, serve in a daemon thread, yield the base URL."""
    server = _Server((host, port), _Handler)
    try:
        bound_host, bound_port = server.server_address[:2]
        base_url = f"http://{bound_host}:{bound_port}"
        server.site = make_site(base_url)
        server.verbose = verbose
        server.requested = requested
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"siteserver-{bound_port}", daemon=True
        )
        thread.start()
        try:
            yield base_url
        finally:
            server.shutdown()
            thread.join(timeout=5)
    finally:
        server.server_close()


@contextlib.contextmanager
def serve_site(
    site_dir: Path | str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    verbose: bool = False,
    requested: list[str] | None = None,
    shift_days: int = 0,
) -> Iterator[str]:
    """Serve a manifest site (default: the demo site) and yield its base URL, no trailing slash.

    Every page is sent with its manifest status and Content-Type (none when ""), its file's text
    with ``{base}`` replaced by the base URL, encoded as the page says and cut to `truncate`
    bytes; ``generate = "large:N"`` streams N bytes of HTML. The query string is ignored when
    looking a path up, unknown paths get 404, a directory path without its slash gets 301,
    HEAD is answered too. Quiet unless `verbose` (then requests are logged to stderr). When
    `requested` is a list, every request's path (with its query) is appended to it, for tests.
    `shift_days` moves every full date in the pages by that many days (chipwatch/demo_dates.py).
    """
    directory = Path(site_dir) if site_dir is not None else DEMO_SITE_DIR
    pages = load_manifest(directory)
    with serve(lambda base: _ManifestSite(directory, pages, base, shift_days), host, port, verbose, requested) as base_url:
        yield base_url


# ---------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Serve the demo site (or another manifest site) until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m chipwatch.siteserver", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind [127.0.0.1]")
    parser.add_argument("--port", type=int, default=0, help="port [0: any free port]")
    parser.add_argument("--site", type=Path, help="a directory with a site.toml [the demo site]")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    server = serve_site(args.site, args.host, args.port, verbose=args.verbose)
    what = str(args.site or DEMO_SITE_DIR)
    try:
        with server as base_url:
            print(f"Serving {what} at {base_url}/ (Ctrl-C to stop)", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
