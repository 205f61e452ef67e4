"""Which site a URL belongs to: its registered domain (news.bbc.co.uk and www.bbc.co.uk are one site).

A page may name its canonical URL (rel=canonical, og:url) on any host; only one on the page's own
site is an address of the same story. One on another site is a claim a hostile source can make to
have a legitimate site's story taken as stored, so it is recorded but not trusted. The public
suffix list comes with the pinned `tld` package and is read offline; it is never updated at run time.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from tld import get_fld


@lru_cache(maxsize=4096)
def registered_domain(host: str) -> str:
    """news.bbc.co.uk -> bbc.co.uk; an IP address, localhost or an unknown suffix stays the host itself."""
    host = host.lower().rstrip(".")
    domain = get_fld(host, fix_protocol=True, fail_silently=True)
    return domain if isinstance(domain, str) and domain else host


def site_of(url: str) -> str:
    return registered_domain(urlsplit(url).hostname or "")


def same_site(url: str, other: str) -> bool:
    """True when both URLs have a host and the same registered domain."""
    mine, theirs = site_of(url), site_of(other)
    return bool(mine) and mine == theirs
