"""`chipwatch demo`: serve the built-in fixture news site on 127.0.0.1, crawl it for real, show what came out,
including the alert email a watch produces."""

from __future__ import annotations

import json
import logging
from email import message_from_bytes
from email.policy import default
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from alerts.send import send_alerts
from alerts.store import open_alerts_db, outbox_dir
from alerts.watches import add_watch, check_watch, get_watch
from chipwatch.crawl import CrawlReport, run_crawl
from chipwatch.demo_dates import shift_for
from chipwatch.process import ProcessReport, process_articles
from chipwatch.siteserver import serve_site
from db.store import open_db

logger = logging.getLogger(__name__)

DEMO_DB = "chipwatch-demo.db"
# A fixed port keeps the demo site's URLs the same from run to run, so a second `chipwatch demo`
# shows the incremental crawl (nothing fetched twice); a busy port falls back to any free one.
DEMO_PORT = 8619
DEMO_SITE = Path(__file__).parent / "demo_site"
DEMO_WATCH = ("demo-huawei", "华为 OR Huawei", "analyst@example.com")

# The fixture site is our own server on loopback: no delay is owed to it. Everything else
# (robots.txt, size cap, retries, timeouts) stays as it is for real sites.
LOCAL_SITE_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CHIPWATCH_SITEMAP_MAX_AGE_DAYS": 0,
}


def run_demo(db_path: str | Path, progress: bool = False) -> tuple[CrawlReport, ProcessReport]:
    """Serve the demo site, crawl all its sources into db_path, then process what was stored."""
    with _serve_demo_site() as base_url:
        crawl = run_crawl(
            db_path,
            sources_path=DEMO_SITE / "sources.toml",
            base_url=base_url,
            overrides=LOCAL_SITE_SETTINGS,
            progress=progress,
        )
    processed = process_articles(db_path, progress=progress)
    demo_alert(db_path)
    return crawl, processed


def demo_alert(db_path: str | Path) -> None:
    """Add the demo's watch (once, with the stored articles as its matches) and write its alert to the outbox folder.

    Never by SMTP, whatever the environment says: the demo must not mail anyone.
    """
    name, query, to = DEMO_WATCH
    db, adb = open_db(db_path), open_alerts_db(db_path)
    try:
        if get_watch(adb, name, missing_ok=True) is None:
            add_watch(adb, db, check_watch(name, query, to=to), backfill=True)
    finally:
        db.close()
        adb.close()
    send_alerts(db_path, env={"CHIPWATCH_MAIL_FROM": "chipwatch@localhost"}, folder=outbox_dir(db_path))


@contextmanager
def _serve_demo_site() -> Iterator[str]:
    """The demo site with its dates moved so that the newest story is dated today (chipwatch/demo_dates.py)."""
    shift = shift_for()
    with ExitStack() as stack:
        try:
            base_url = stack.enter_context(serve_site(DEMO_SITE, port=DEMO_PORT, shift_days=shift))
        except OSError:
            logger.info("port %d is busy; serving the demo site on a free port", DEMO_PORT)
            base_url = stack.enter_context(serve_site(DEMO_SITE, shift_days=shift))
        yield base_url


def summary(db_path: str | Path, report: CrawlReport, processed: ProcessReport) -> str:
    """What a new user should see: counts, a few stored stories, failures, and what to try next."""
    db = open_db(db_path)
    lines = [
        f"Crawled the demo site: {report.pages} pages in {report.seconds:.1f}s "
        f"({report.pages_per_second:.0f} pages/s), crawl run {report.run_id} {report.status}.",
        f"  new articles: {report.stored} ({report.duplicates} near-duplicates linked to their first copy), "
        f"already stored and not fetched again: {report.known + report.stats.get('chipwatch/articles_already_stored', 0)}",
    ]
    by_lang = db.execute("SELECT lang, count(*) FROM articles GROUP BY lang ORDER BY 2 DESC").fetchall()
    lines.append("  articles in the database by language: " + ", ".join(f"{lang} {n}" for lang, n in by_lang))
    encodings = db.execute("SELECT encoding, count(*) FROM articles GROUP BY encoding ORDER BY 2 DESC").fetchall()
    lines.append("  decoded from: " + ", ".join(f"{enc} {n}" for enc, n in encodings))
    lines.append("")
    lines.append("Near-duplicates (republished copies):")
    for copy_url, original_url in db.execute(
        "SELECT c.url, o.url FROM articles c JOIN articles o ON o.id = c.duplicate_of ORDER BY c.id"
    ):
        lines.append(f"  {copy_url}\n    is a copy of {original_url}")
    lines.append("")
    lines.append(f"Pages that could not be stored in run {report.run_id}:")
    for url, reason in db.execute(
        "SELECT url, reason FROM fetch_failures WHERE crawl_run_id = ? ORDER BY url", [report.run_id]
    ):
        lines.append(f"  {url}: {reason}")
    lines.append("")
    lines.append("Latest stories:")
    for title, lang, published, authors in db.execute(
        "SELECT title, lang, published_at, authors FROM articles WHERE duplicate_of IS NULL "
        "ORDER BY published_at DESC LIMIT 6"
    ):
        who = ", ".join(json.loads(authors)) or "-"
        lines.append(f"  [{lang}] {published or '?':25} {title}  ({who})")
    lines.append("")
    lines.append(
        f"Entities: {processed.analyzed} articles processed, {processed.mentions} mentions, "
        f"{processed.listed_mentions} of parties on a sanctions list. Most mentioned listed parties:"
    )
    for name, lists, count in db.execute(
        """SELECT name, lists, count(DISTINCT article_id) AS n FROM mentions WHERE listed = 1 AND name IS NOT NULL
           GROUP BY name ORDER BY n DESC, name LIMIT 5"""
    ):
        codes = sorted({entry["list"].split("(")[-1].split(")")[0] for entry in json.loads(lists)})
        lines.append(f"  {name} [{', '.join(codes)}]: {count} articles")
    lines.append("")
    lines.append(f"Events: {processed.events} in {processed.relevant} relevant articles. By type:")
    for kind, count in db.execute("SELECT type, count(*) FROM events GROUP BY type ORDER BY 2 DESC, 1"):
        lines.append(f"  {kind}: {count}")
    lines.append("Latest events, with the sentence that says so:")
    for kind, actors, targets, products, evidence in db.execute(
        """SELECT e.type, e.actors, e.targets, e.products, e.evidence FROM events e JOIN articles a ON a.id = e.article_id
           WHERE a.duplicate_of IS NULL ORDER BY e.published_at DESC, e.confidence DESC LIMIT 6"""
    ):
        who = " -> ".join(", ".join(json.loads(names)) or "?" for names in (actors, targets))
        what = ", ".join(json.loads(products))
        shown = evidence if len(evidence) <= 90 else evidence[:90] + "…"
        lines.append(f"  {kind}: {who}{' [' + what + ']' if what else ''}\n    “{shown}”")
    lines += alert_lines(db_path)
    for problem in report.problems:
        lines.append(f"PROBLEM: {problem}")
    db_arg = f" --db {db_path}"
    lines += [
        "",
        "Try next:",
        f"  chipwatch search{db_arg} 华为                  # finds 華為 in Traditional articles too",
        f"  chipwatch search{db_arg} '\"export controls\" OR 出口管制' --json",
        f"  chipwatch search{db_arg} --entity Huawei         # 华为, 華為 and Huawei: one entity",
        f"  chipwatch search{db_arg} --event circumvention   # articles reporting evasion of controls",
        f"  chipwatch watch test{db_arg} {DEMO_WATCH[0]}     # what the demo's watch matches",
        f"  chipwatch search{db_arg} --since 7d --relevant   # this week's news on export controls",
        f"  chipwatch report{db_arg} --out report.html     # the last 7 days on one page, to forward",
        f"  chipwatch serve{db_arg}                      # then http://127.0.0.1:8001/{Path(db_path).stem}/search?q=华为",
        f"  chipwatch demo{db_arg}                       # again: nothing is fetched twice",
        "  chipwatch parse some-saved-page.html --jsonl   # debug extraction of any page",
        "  chipwatch sources                              # the real news sources `chipwatch crawl` reads",
    ]
    db.close()
    return "\n".join(lines)


def alert_lines(db_path: str | Path) -> list[str]:
    """The demo watch and the newest alert email in the outbox folder: its file, subject and first lines."""
    name, query, to = DEMO_WATCH
    lines = ["", f"Alerts: the watch {name} ({query}) emails {to}; with no CHIPWATCH_SMTP_HOST the emails are .eml files."]
    emails = sorted(outbox_dir(db_path).glob("*.eml"), key=lambda p: p.stat().st_mtime)
    if not emails:
        return lines + ["  no alert email yet"]
    newest = emails[-1]
    message = message_from_bytes(newest.read_bytes(), policy=default)
    lines.append(f"  newest of {len(emails)} in {newest.parent.resolve()}/:")
    lines.append(f"  {newest.name}")
    lines.append(f"  Subject: {message['Subject']}")
    body = message.get_body(("plain",))
    for text in (body.get_content().splitlines() if body else [])[:9]:
        lines.append(f"  | {text}")
    return lines
