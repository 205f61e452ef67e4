"""Scrapy settings: polite by default. Override per run with `chipwatch crawl -s NAME=VALUE`."""

BOT_NAME = "chipwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
ADDONS: dict = {}

USER_AGENT = "chipwatch/0.1 (news monitoring for export-control research)"
ROBOTSTXT_OBEY = True

# One site never sees more than two requests at once, one second apart, slower when it slows down.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is 0.5x to 1.5x DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024  # no news page is this large; a bigger body is a broken or hostile page
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
# Only http(s) is ever fetched: the spiders refuse other schemes, and these handlers are off as a
# second fence, so no link or redirect on a hostile site can read a local file or a data: URL.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
TELNETCONSOLE_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,application/feed+json,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh-TW;q=0.9,zh;q=0.8,en;q=0.7",
}

DOWNLOADER_MIDDLEWARES = {"crawler.addresses.PrivateAddressMiddleware": 50}  # before robots.txt (100)
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
LOG_LEVEL = "WARNING"

# chipwatch's own settings
CHIPWATCH_DB = None  # path; None means $CHIPWATCH_DB or ./chipwatch.db
CHIPWATCH_SOURCES = None  # path to a sources TOML; None means crawler/sources.toml
CHIPWATCH_BASE_URL = None  # resolve relative source URLs against this (the demo's local site)
CHIPWATCH_ONLY_SOURCES = None  # list of source ids, None for all enabled sources
CHIPWATCH_MAX_ARTICLES_PER_SOURCE = 200  # per run: a first crawl of a big sitemap stays polite
CHIPWATCH_SITEMAP_MAX_AGE_DAYS = 14  # skip sitemap entries whose lastmod is older; 0 = no limit
CHIPWATCH_BATCH_SIZE = 50  # articles per database transaction
CHIPWATCH_PARSE_WORKERS = 1  # processes that decode and extract pages beside the reactor; 0 = in the reactor
CHIPWATCH_RUN_ID = None  # crawl_runs row this crawl reports into
CHIPWATCH_KNOWN_URLS = "crawler.pipelines.StoredUrls"  # factory(settings) -> callable(url) -> bool: is it stored?
CHIPWATCH_SITEMAP_MAX_DEPTH = 3  # sitemap indexes nested deeper than this are not followed
CHIPWATCH_SITEMAP_MAX_CHILDREN = 200  # child sitemaps followed per sitemap index
CHIPWATCH_MAX_LISTINGS_PER_SOURCE = 300  # listing requests (feeds, sitemaps, sections) per source per run
CHIPWATCH_REFUSE_PRIVATE_ADDRESSES = True  # no loopback/private/link-local hosts but those of configured sources
