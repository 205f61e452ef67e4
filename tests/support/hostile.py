"""Hostile sites on loopback for the stress tests and `bench/faults.py`.

A hostile site is a small HTTP server on its own loopback address (127.0.0.2, 127.0.0.3 ...)
so that Scrapy gives it its own download slot and robots.txt, as a separate real site would
have. Each path answers with one misbehaviour: it hangs after the headers, drops the connection
in the middle of the body, answers 429 or 503 forever, redirects in a loop, streams an endless
or huge body, trickles a byte at a time, or sends a gzip bomb. `BAD_PAGES` is a corpus of broken
pages the project writes itself (lying charsets, mixed encodings, binary, 0 bytes, deep nesting,
script only ...), generated here in code so that nothing large is committed. `HOSTILE_QUERIES`
and `LONG_QUERIES` are search and watch queries that must give a result or one clear line.

    with serve_hostile({"/a.html": hang_after_headers(), "/feed.xml": feed(["/a.html"])}) as base:
        ...

Over 400 lines: most of it is the corpus of bad pages and the queries, which are data.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape as xml_escape

Behaviour = Callable[["_Handler"], None]

MB = 1024 * 1024

# Every FTS5 special character, unbalanced quotes and brackets, operators alone, control characters.
HOSTILE_QUERIES = list("\"*^():-+{}[]<>,.;!@#$%&=|\\/?~`'") + [
    "AND", "OR", "NOT", "NEAR", "NEAR(", "NEAR(华为 芯片, 5)", "title:", "body:", "lang:", "-", "--", '""', '" "', '"华为',
    '华为"', '"export controls', "((华为", "华为))", ")(", "OR OR", "华为 OR", "OR 华为", "NOT 华为", "-华为", "* 华为", "华为 *",
    "^华为", "{title}: 华为", "title:(华为", "\x00", "\ue000", "\u200b", "🙂", "\t\n", " ", "华为\x00芯片", "sanction**", "*sanction",
]
LONG_QUERIES = [
    "华为" * 5000, "a" * 10_000, '"' * 10_000, "(" * 10_000, " OR ".join(["华为"] * 2000), "-" * 10_000, "*" * 10_000,
    " ".join(f"x{i}" for i in range(2000)), "华为 " * 3000, '"华为 芯片' * 1200,
]


# ---------------------------------------------------------------------------- behaviours


def page(body: bytes | str, content_type: str | None = "text/html; charset=utf-8", status: int = 200, headers: Mapping[str, str] | None = None) -> Behaviour:
    """A complete answer: status, headers, the body with its Content-Length."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def answer(h: _Handler) -> None:
        h.send_response(status)
        if content_type is not None:
            h.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.write(data)

    return answer


def hang_after_headers() -> Behaviour:
    """Headers promising a body, then nothing until the server stops."""

    def answer(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "10000")
        h.end_headers()
        h.wfile.flush()
        h.server.stopping.wait()
        h.close_connection = True

    return answer


def hang_before_headers() -> Behaviour:
    """Accept the request and never answer."""

    def answer(h: _Handler) -> None:
        h.server.stopping.wait()
        h.close_connection = True

    return answer


def drop_mid_body(promised: int = 20_000, sent: int = 700) -> Behaviour:
    """Promise `promised` bytes, send `sent` of a real page, then close the connection."""

    def answer(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(promised))
        h.end_headers()
        h.write(_article_html("断开的连接 Dropped connection", "这篇文章在传输途中被切断。" * 200).encode()[:sent])
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.shutdown(2)

    return answer


def status(code: int, retry_after: str | None = "1") -> Behaviour:
    """Always the same error status (a 429 or 503 storm), with Retry-After."""
    return page(f"<html><body><h1>{code}</h1></body></html>", status=code, headers={"Retry-After": retry_after} if retry_after else None)


def redirect(location: str, code: int = 302) -> Behaviour:
    def answer(h: _Handler) -> None:
        h.send_response(code)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return answer


def _start_stream(h: _Handler) -> None:
    """Headers of an HTML answer with no Content-Length, its body running until the connection closes."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True


def endless(chunk: bytes = b"<p>" + "无尽的正文 endless body ".encode() * 200 + b"</p>\n") -> Behaviour:
    """An HTML body without Content-Length that never ends."""

    def answer(h: _Handler) -> None:
        _start_stream(h)
        h.write(b"<html><body>")
        while not h.server.stopping.is_set():
            if not h.write(chunk):
                return

    return answer


def trickle(interval: float = 0.2) -> Behaviour:
    """A body that arrives one byte every `interval` seconds, forever (a slow-loris server)."""

    def answer(h: _Handler) -> None:
        _start_stream(h)
        while not h.server.stopping.wait(interval):
            if not h.write(b" "):
                return

    return answer


def huge(size: int = 50 * MB, declare_length: bool = True) -> Behaviour:
    """A valid HTML page of `size` bytes, with or without Content-Length, streamed in chunks."""

    def answer(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if declare_length:
            h.send_header("Content-Length", str(size))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        for chunk in _huge_chunks(size):
            if h.server.stopping.is_set() or not h.write(chunk):
                return

    return answer


def gzip_bomb(expanded: int = 200 * MB) -> Behaviour:
    """A small gzip body (Content-Encoding: gzip) that expands to `expanded` bytes of HTML."""

    def answer(h: _Handler) -> None:
        body = _bomb(expanded)
        page(body, headers={"Content-Encoding": "gzip"})(h)

    return answer


def feed(paths: list[str], title: str = "Hostile feed") -> Behaviour:
    """An RSS 2.0 feed linking the given paths on this site."""

    def answer(h: _Handler) -> None:
        items = "".join(
            f"<item><title>{xml_escape(p)}</title><link>{xml_escape(h.base_url + p)}</link></item>\n" for p in paths
        )
        body = f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{xml_escape(title)}</title>\n{items}</channel></rss>\n'
        page(body, "application/rss+xml; charset=utf-8")(h)

    return answer


# ---------------------------------------------------------------------------- the corpus of bad pages


def _article_html(title: str, paragraph: str, head: str = '<meta charset="utf-8">') -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>{title}</title></head><body>\n<article><h1>{title}</h1>\n"
        + "".join(f"<p>{paragraph}</p>\n" for _ in range(4))
        + "</article></body></html>\n"
    )


ZH_PARAGRAPH = "美国商务部工业与安全局周二宣布，将十二家中国实体列入出口管制清单，其中包括多家芯片设计公司和服务器制造商。业内人士表示，新规将影响高端GPU的采购。"
EN_PARAGRAPH = "The Commerce Department added twelve Chinese entities to its export blacklist on Tuesday, including several chip designers and server makers, officials said."


@dataclass(frozen=True)
class BadPage:
    """One page of the corpus: how it is served and what a crawl must make of it."""

    name: str
    body: Callable[[], bytes]
    content_type: str | None = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    stored: bool = False  # True: must be stored as an article; False: must be recorded as a failure
    contains: str = ""  # for stored pages, text the stored article must contain (proof of right decoding)

    @property
    def path(self) -> str:
        return f"/bad/{self.name}.html"

    def behaviour(self) -> Behaviour:
        return page(self.body(), self.content_type, headers=self.headers)


def _gbk(text: str) -> bytes:
    return text.encode("gbk")


def _mixed() -> bytes:
    # The head and first paragraphs in UTF-8, a later paragraph pasted in as GBK: no one codec reads it all.
    html = _article_html("混合编码的页面", ZH_PARAGRAPH)
    return html.encode("utf-8").replace(b"</article>", "<p>这一段是GBK编码的文字，出现在UTF-8页面里。</p></article>".encode("gbk"))


def _truncated_multibyte() -> bytes:
    data = _article_html("截断的多字节字符", ZH_PARAGRAPH).encode("utf-8")
    cut = data.index("芯片".encode()) + 1  # in the middle of 芯's three bytes
    return data[: len(data) * 2 // 3] + data[cut : cut + 2]


def _invalid_html() -> bytes:
    return (
        "<html><head><title>无效的HTML <b>标题</title><body><div><p>"
        + ZH_PARAGRAPH
        + "<table><tr><td><p>"
        + ZH_PARAGRAPH
        + "</div></span></html><p>"
        + ZH_PARAGRAPH
        + "<<<>>>&&&;<!-- unclosed comment <script>var x = '</p>"
    ).encode("utf-8")


def _binary() -> bytes:
    import random

    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(64 * 1024))


def _png_as_html() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 100


def _deeply_nested(depth: int = 50_000) -> bytes:
    return ("<html><body>" + "<div>" * depth + ZH_PARAGRAPH * 3 + "</div>" * depth + "</body></html>").encode("utf-8")


def _deeply_nested_inline(depth: int = 20_000) -> bytes:
    return ("<html><body><article><p>" + "<b><i>" * depth + EN_PARAGRAPH * 3 + "</i></b>" * depth + "</p></article></body></html>").encode()


def _script_only() -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>加载中</title>"
        "<script src='/app.js'></script></head><body><div id='root'></div>"
        "<script>window.__DATA__ = " + '{"a": "' + "x" * 20_000 + '"}' + ";render(document.getElementById('root'));</script>"
        "<noscript>请启用JavaScript</noscript></body></html>"
    ).encode("utf-8")


def _big_page() -> bytes:
    return b"".join(_huge_chunks(50 * MB))


BAD_PAGES: tuple[BadPage, ...] = (
    BadPage("gbk-no-charset", lambda: _gbk(_article_html("美国将十二家中国实体列入清单", ZH_PARAGRAPH, head="")), stored=True, contains="工业与安全局"),
    BadPage("gbk-header-says-utf8", lambda: _gbk(_article_html("错误的字符集声明", ZH_PARAGRAPH, head="")), "text/html; charset=utf-8", stored=True, contains="工业与安全局"),
    BadPage("big5-meta-says-gb2312", lambda: _article_html("錯誤的字元集宣告", "美國商務部工業與安全局週二宣布，將十二家中國實體列入出口管制清單。" * 3, head='<meta charset="gb2312">').encode("big5"), stored=True, contains="工業與安全局"),
    BadPage("utf8-header-says-latin1", lambda: _article_html("错误的头部字符集", ZH_PARAGRAPH, head="").encode("utf-8"), "text/html; charset=iso-8859-1", stored=True, contains="工业与安全局"),
    BadPage("mixed-encodings", _mixed, "text/html; charset=utf-8"),
    BadPage("truncated-multibyte", _truncated_multibyte, "text/html; charset=utf-8"),
    BadPage("invalid-html", _invalid_html, "text/html; charset=utf-8"),
    BadPage("empty", lambda: b"", "text/html; charset=utf-8"),
    BadPage("binary-as-html", _binary, "text/html"),
    BadPage("png-as-html", _png_as_html, "text/html; charset=utf-8"),
    BadPage("no-content-type", lambda: _article_html("没有内容类型", ZH_PARAGRAPH).encode(), None, stored=True, contains="工业与安全局"),
    BadPage("deeply-nested", _deeply_nested, "text/html; charset=utf-8"),
    BadPage("deeply-nested-inline", _deeply_nested_inline, "text/html; charset=utf-8"),
    BadPage("script-only", _script_only, "text/html; charset=utf-8"),
    BadPage("nul-bytes", lambda: _article_html("空字符", ZH_PARAGRAPH).encode().replace("。".encode(), b"\x00\x00"), "text/html; charset=utf-8"),
    BadPage("gzip-bomb", lambda: _bomb(200 * MB), "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}),
    BadPage("gzip-garbage", lambda: b"\x1f\x8b\x08\x00" + b"not really gzip" * 100, "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}),
    BadPage("fifty-megabytes", _big_page, "text/html; charset=utf-8"),
)
"""Pages marked stored=False may also be stored when extraction finds text in them; what is
required of every page is that it ends as an article or as a failure with a reason."""


@cache
def _bomb(expanded: int) -> bytes:
    out = io.BytesIO()
    block = b"<p>" + b"A" * (MB - 8) + b"</p>\n"
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(b"<html><body>")
        for _ in range(expanded // len(block)):
            gz.write(block)
        gz.write(b"</body></html>")
    return out.getvalue()


def _huge_chunks(size: int) -> Iterator[bytes]:
    head = _article_html("五十兆字节的页面", ZH_PARAGRAPH).encode().split(b"</article>")[0]
    row = ("<p>" + ZH_PARAGRAPH + "</p>\n").encode()
    tail = b"</article></body></html>\n"
    block = row * (64 * 1024 // len(row))
    remaining = size - len(head) - len(tail)
    yield head
    while remaining >= len(block):
        yield block
        remaining -= len(block)
    yield b" " * remaining
    yield tail


# ---------------------------------------------------------------------------- the server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    routes: Mapping[str, Behaviour]
    stopping: threading.Event
    requested: list[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up on hostile answers is the point here, not an error."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 60

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.requested.append(path)
        behaviour = self.server.routes.get(path) or page("<html><body>404</body></html>", status=404)
        behaviour(self)

    def write(self, data: bytes) -> bool:
        """Write, returning False once the client has gone."""
        try:
            self.wfile.write(data)
            return True
        except OSError:
            self.close_connection = True
            return False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serve_hostile(routes: Mapping[str, Behaviour], host: str = "127.0.0.2", port: int = 0, requested: list[str] | None = None) -> Iterator[str]:
    """Serve `routes` (path -> behaviour; others 404, including /robots.txt unless given) and yield the base URL.

    On exit every hanging answer is released, so the server's threads end.
    """
    server = _Server((host, port), _Handler)
    server.routes = routes
    server.stopping = threading.Event()
    server.requested = requested if requested is not None else []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    try:
        yield f"http://{bound_host}:{bound_port}"
    finally:
        server.stopping.set()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def bad_pages_site() -> dict[str, Behaviour]:
    """The corpus of bad pages as routes, with /feed.xml linking every one."""
    routes = {p.path: p.behaviour() for p in BAD_PAGES}
    routes["/feed.xml"] = feed([p.path for p in BAD_PAGES], "Bad pages")
    return routes


def source_toml(source_id: str, base_url: str, *, feeds: list[str] | None = None, sitemaps: list[str] | None = None, lang: str = "zh") -> str:
    """One [[source]] table with absolute URLs on base_url."""

    def quoted(paths: list[str] | None) -> str:
        return "[" + ", ".join(f'"{base_url}{p}"' for p in paths or []) + "]"

    return f"""
[[source]]
id = "{source_id}"
name = "{source_id}"
lang = "{lang}"
homepage = "{base_url}/"
feeds = {quoted(feeds)}
sitemaps = {quoted(sitemaps)}
sections = []
article_pattern = ""
official = false
encoding = ""
enabled = true
notes = ""
"""


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll `condition` until true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# ---------------------------------------------------------------------------- hostile sitemaps


def sitemap_index(locs: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{xml_escape(loc)}</loc></sitemap>\n" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n'.encode()


def urlset(locs: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{xml_escape(loc)}</loc></url>\n" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'.encode()


def xml(body: bytes) -> Behaviour:
    return page(body, "application/xml")


class SitemapTree(Mapping[str, Behaviour]):
    """Routes of a site whose sitemap index /sm/0.xml has `fanout` children, each an index of `fanout`
    new ones, `levels` deep (None: forever, the "fractal" site); the last level is empty urlsets.
    One level of fanout 50 000 is the huge index."""

    def __init__(self, fanout: int, levels: int | None = None, extra: Mapping[str, Behaviour] | None = None) -> None:
        self.fanout, self.levels, self.extra = fanout, levels, dict(extra or {})

    def get(self, path: str, default: Any = None) -> Any:
        if path in self.extra:
            return self.extra[path]
        if not (path.startswith("/sm/") and path.endswith(".xml")):
            return default
        node = path[4:-4]
        level = node.count("-")
        if self.levels is not None and level >= self.levels:
            return xml(urlset([]))
        return lambda h: xml(sitemap_index([f"{h.base_url}/sm/{node}-{i}.xml" for i in range(self.fanout)]))(h)

    def __getitem__(self, path: str) -> Behaviour:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(["/sm/0.xml", *self.extra])

    def __len__(self) -> int:
        return 1 + len(self.extra)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def sitemap_bomb(expanded: int = 200 * MB) -> bytes:
    """A gzipped sitemap that expands to `expanded` bytes, to be served with no Content-Encoding (as a .xml.gz file)."""
    out = io.BytesIO()
    block = b"<url><loc>http://bomb.invalid/" + b"a" * (MB - 64) + b"</loc></url>\n"
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for _ in range(expanded // len(block)):
            gz.write(block)
        gz.write(b"</urlset>")
    return out.getvalue()
