"""No request to a private, loopback or link-local address, unless a configured source lives there.

A hostile page or feed can link to (or redirect to) http://127.0.0.1:8001/, http://10.0.0.5/ or
http://169.254.169.254/: the crawler would fetch a service that only this machine can reach and
store the answer, which Datasette then shows to anyone. This downloader middleware sees every
request (links, redirects, robots.txt) and refuses those whose host is or resolves to such an
address. The hosts (with port) of the configured source URLs are exempt, so a source on
127.0.0.1 (the demo, the tests) keeps working; the setting CHIPWATCH_REFUSE_PRIVATE_ADDRESSES
(default on) turns the check off.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future

logger = logging.getLogger(__name__)


def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, unspecified, reserved and multicast addresses (IPv4 or IPv6)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def netloc(url: str) -> str:
    """host:port of a URL, lower-cased, with the scheme's default port made explicit."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


class PrivateAddressMiddleware:
    """Refuses (IgnoreRequest, recorded as a failure) requests to non-public addresses; see the module."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("CHIPWATCH_REFUSE_PRIVATE_ADDRESSES")
        self._exempt: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler)

    def exempt(self) -> set[str]:
        """host:port of every configured source URL (homepage, feeds, sitemaps, sections)."""
        if self._exempt is None:
            sources = getattr(self.crawler.spider, "sources", None) or []
            self._exempt = {
                netloc(url)
                for source in sources
                for url in [source.homepage, *source.feeds, *source.sitemaps, *source.sections]
                if url
            }
        return self._exempt

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if not self.enabled or netloc(request.url) in self.exempt():
            return
        host = urlsplit(request.url).hostname or ""
        address = host if _is_ip(host) else await self._resolve(host)
        if address is not None and is_private_address(address):
            self.crawler.stats.inc_value("chipwatch/refused/private_address")
            raise IgnoreRequest(f"refused: {host} is a private, loopback or link-local address ({address})")

    async def _resolve(self, host: str) -> str | None:
        """The address the download would connect to, through the reactor's (Scrapy's caching) resolver."""
        if host == "localhost" or host.endswith(".localhost"):
            return "127.0.0.1"
        from twisted.internet import reactor

        try:
            return await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an unresolvable host fails in the download itself, with its own reason
            return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False

