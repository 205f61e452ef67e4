"""The `chipwatch` command: a thin shell over the stages. Each command is a few lines.

Over 400 lines because it is the one click group of every command (twenty of them), each with
its options and its help, which is its docstring with examples; the work is in the stages.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chipwatch.importer import import_jsonl
from chipwatch.lists import ListFileError, import_list, show_lists
from chipwatch.schedule import SCHEDULES, crontab_line
from chipwatch.search_json import hit_lines
from crawler.extract import ExtractionError
from crawler.page import parse_page
from crawler.sources import SourceError, load_sources
from core.vocab import LANGS
from db.search import Filters, SearchError
from db.search import search as search_articles
from db.store import StoreError, default_db_path, open_db, open_db_for_reading
from nlp.errors import PipelineError
from core.vocab import EVENT_TYPES
from nlp.knowledge_base import UnknownEntity, resolve_entity_id

if TYPE_CHECKING:
    from chipwatch.crawl import CrawlReport

# Exit codes: 0 success; 1 the work failed or was partly refused; 2 usage error (click's own);
# 3 another `chipwatch run` holds the lock.
EXIT_FAILED = 1
EXIT_BUSY = 3

NOISY_LOGGERS = ("scrapy", "twisted", "trafilatura", "htmldate", "charset_normalizer", "urllib3", "filelock")

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    envvar="CHIPWATCH_DB",
    default=None,
    help="SQLite database file [default: $CHIPWATCH_DB or ./chipwatch.db].",
)
workers_option = click.option(
    "-w", "--workers", type=click.IntRange(min=1), default=1, show_default=True,
    help="Analyse in this many worker processes (each loads the models once; pays off for a large backlog).",
)


def configure_logging(verbose: int) -> None:
    """WARNING by default so that cron mail carries only problems; -v for INFO, -vv for DEBUG.

    The level sits on the handler: Scrapy re-configures its loggers' levels when a crawl starts.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter((logging.Formatter if verbose else OneLineFormatter)("%(levelname)s %(name)s: %(message)s"))
    if verbose < 2:
        handler.addFilter(LibraryFilter(logging.WARNING))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class OneLineFormatter(logging.Formatter):
    """One line per record: a traceback (Scrapy logs one with every failed download, robots.txt
    included) shrinks to the exception's name and message; -v shows it whole."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None:
            return super().format(record)
        message = super().format(logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None}))
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return message if detail in message else f"{message.rstrip(': ')} ({detail})"


class LibraryFilter(logging.Filter):
    """Let third-party libraries through only at `level` and above; chipwatch's own records always pass."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or not record.name.startswith(NOISY_LOGGERS)


def quiet_libraries() -> None:
    """Scrapy's per-page warnings, where chipwatch reports the problems itself (under cron, in the demo)."""
    for handler in logging.getLogger().handlers:
        for library_filter in [f for f in handler.filters if isinstance(f, LibraryFilter)]:
            library_filter.level = logging.CRITICAL


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class ChipwatchGroup(click.Group):
    """The command group; a database that refuses work (disk full, read-only, damaged) is one line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except sqlite3.Error as exc:
            raise click.ClickException(f"database error: {exc}") from None


@click.group(cls=ChipwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(package_name="chipwatch")
def cli(verbose: int) -> None:
    """chipwatch: semiconductor export-control and sanctions news, in Chinese and English.

    Crawls news sites, extracts articles and stores them in SQLite.

    Example: chipwatch demo
    """
    configure_logging(verbose)


@cli.command()
@db_option
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False), help="Sources TOML [default: the shipped crawler/sources.toml].")
@click.option("--base-url", help="Resolve relative URLs in the sources file against this (a local mirror or test site).")
@click.option("--only", multiple=True, metavar="ID", help="Crawl only this source id (repeatable).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=2.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line, even on a terminal.")
def crawl(
    db_path: str | None, sources_path: str | None, base_url: str | None, only: tuple[str, ...], overrides: tuple[str, ...], quiet: bool
) -> None:
    """Crawl the news sources once and store new articles.

    Pages already stored are not fetched again. Exits 1 if the crawl failed, 3 if a run or
    another crawl on the same database is still going.

    Example: chipwatch crawl --only people-it --only 36kr
    """
    settings = dict(_parse_setting(o) for o in overrides)
    from chipwatch import run as run_stage

    try:
        report = _guard(
            lambda: run_stage.crawl_once(db_path, sources_path=sources_path, base_url=base_url, only=only, overrides=settings, progress=show_progress(quiet))
        )
    except run_stage.RunBusy as exc:
        click.echo(f"chipwatch crawl: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    _print_crawl(report, quiet)
    if report.status != "ok":
        sys.exit(EXIT_FAILED)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--url", help="The URL the page was fetched from (resolves relative canonical links).")
@click.option("--jsonl", "as_jsonl", is_flag=True, default=True, help="One JSON object per file (the default and only format).")
def parse(files: tuple[str, ...], url: str | None, as_jsonl: bool) -> None:
    """Extract the article from saved HTML files, detecting their encoding from the bytes.

    Prints one JSON line per file: path, url, title, text, published_at, authors,
    language, encoding. A file without an article gets "error" and exits 1 at the end.

    Example: chipwatch parse page.html --url https://example.com/news/1.html --jsonl
    """
    quiet_libraries()  # trafilatura's own complaints about a page repeat the one line printed here
    failed = 0
    for path in files:
        line: dict[str, Any] = {"path": path, "url": url, "title": None, "text": "", "published_at": None, "authors": [], "language": None, "encoding": None, "encoding_replaced": 0}
        try:
            parsed = parse_page(Path(path).read_bytes(), url=url)
        except (ExtractionError, OSError) as exc:
            failed += 1
            line["error"] = str(exc)
            click.echo(f"chipwatch parse: {path}: {exc}", err=True)
        else:
            page = parsed.article
            line.update(
                url=url or page.canonical_url,
                title=page.title,
                text=page.text,
                published_at=page.published_at,
                authors=page.authors,
                language=page.language,
                encoding=parsed.encoding,
                encoding_replaced=parsed.replaced,
            )
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        sys.exit(EXIT_FAILED)


@cli.command(name="import")
@db_option
@click.argument("file", type=click.File("rb"))
@click.option("--source", "default_source", default="import", show_default=True, help="Source name for lines that give none.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, even on a terminal.")
def import_(db_path: str | None, file: Any, default_source: str, quiet: bool) -> None:
    """Import articles from a JSON Lines file ('-' for stdin).

    Each line: {"url","title","text","lang","published_at","source"}; url and text are
    required. Bad lines are reported with their line number and skipped; the good ones
    are stored. Exits 1 if any line was refused.

    Example: chipwatch import articles.jsonl
    """
    db = _guard(lambda: open_db(db_path))
    size = _file_size(file)
    if show_progress(quiet) and size:
        with click.progressbar(length=size, label="importing", file=sys.stderr) as bar:
            report = import_jsonl(db, file, default_source, progress=bar.update)
    else:
        report = import_jsonl(db, file, default_source)
    for number, reason in report.bad:
        click.echo(f"{file.name}:{number}: {reason}", err=True)
    saved = report.saved
    click.echo(
        f"imported {len(saved.stored)} new articles ({saved.duplicates} near-duplicates linked), "
        f"{saved.known} already stored, {len(report.bad)} bad lines of {report.lines}"
    )
    if report.bad:
        sys.exit(EXIT_FAILED)


@cli.command(context_settings={"ignore_unknown_options": True})  # a query may start with "-"
@db_option
@click.argument("query", nargs=-1)
@click.option("--entity", metavar="NAME|ID", help="Only articles mentioning this entity, in any language or script (SenseTime, 商汤, org:sensetime).")
@click.option("--event", type=click.Choice(EVENT_TYPES, case_sensitive=False), help="Only articles with an event of this type.")
@click.option("--relevant", is_flag=True, help="Only articles about chip export controls or sanctions (they report an event).")
@click.option("--listed-only", is_flag=True, help="Only articles mentioning a party on a sanctions list (with --entity: that entity, listed).")
@click.option("--lang", type=click.Choice(LANGS, case_sensitive=False), help="Only articles in this language (zh is Simplified, zh-Hant Traditional).")
@click.option("--since", metavar="DATE|AGE", help="Only articles published since a date (2026-03-01) or within an age (7d, 24h).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="At most this many hits.")
@click.option("--rank", is_flag=True, help="Most relevant first (bm25, titles count more) instead of newest first.")
@click.option("--all", "include_duplicates", is_flag=True, help="Also show near-duplicate copies of a story.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit: id, title, url, published_at, lang, source, snippet, entities, events, listed.")
def search(
    db_path: str | None,
    query: tuple[str, ...],
    entity: str | None,
    event: str | None,
    relevant: bool,
    listed_only: bool,
    lang: str | None,
    since: str | None,
    limit: int,
    rank: bool,
    include_duplicates: bool,
    as_json: bool,
) -> None:
    """Search stored articles; Chinese words match in Simplified and Traditional alike.

    QUERY: words (all must occur), "a phrase" (quote it from the shell), OR between
    alternatives, -word to exclude, (…) to group, title:word for titles only,
    sanction* for a prefix. Newest first; prints "no matches" on stderr when
    nothing matches.

    Example: chipwatch search 华为 --since 7d

    Example: chipwatch search '英伟达 A100 OR "export controls"' --lang zh --json

    Example: chipwatch search --entity SenseTime --since 30d

    Example: chipwatch search --event circumvention --lang zh
    """
    if not query and not entity and not event and not relevant and not listed_only:
        raise click.UsageError("give a QUERY, a filter (--entity, --event, --relevant, --listed-only), or both")
    entity_id = _guard(lambda: resolve_entity_id(entity)) if entity else None
    path = db_path or default_db_path()
    if not Path(path).exists():
        raise click.ClickException(f"no database at {path}: run chipwatch crawl or chipwatch import first")
    db = _guard(lambda: open_db_for_reading(path))
    try:
        filters = Filters(
            lang=lang, since=since, limit=limit, rank=rank, include_duplicates=include_duplicates, entity_id=entity_id, event=event, relevant=relevant,
            listed=listed_only,
        )
        hits = search_articles(db, " ".join(query), filters)
        lines = hit_lines(db, hits) if as_json else [_format_hit(hit) for hit in hits]
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    if not hits:
        click.echo("no matches", err=True)
    for line in lines:
        click.echo(line)


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False), help="Sources TOML to check and list.")
def sources(sources_path: str | None) -> None:
    """List the configured news sources (and validate the file).

    Example: chipwatch sources
    """
    for s in _guard(lambda: load_sources(sources_path)):
        kinds = ", ".join(k for k in ("feeds", "sitemaps", "sections") if getattr(s, k))
        click.echo(f"{s.id:24} {s.lang:8} {kinds:24} {s.name}")


@cli.command()
@click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="SQLite database file [default: ./chipwatch-demo.db; $CHIPWATCH_DB is not read, so your own database is never touched].",
)  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="Only the summary.")
def demo(db_path: str | None, quiet: bool) -> None:
    """Crawl a built-in fixture news site over HTTP on 127.0.0.1 and store it.

    Uses ./chipwatch-demo.db unless --db says otherwise ($CHIPWATCH_DB is not read, so your
    own database is never touched). The site's dates are moved so that its newest story is
    dated today: `--since 7d` and the default report have content on any day.
    Prints a summary and commands to try next.

    Example: chipwatch demo
    """
    from chipwatch import demo as demo_stage

    path = db_path or demo_stage.DEMO_DB
    quiet_libraries()  # the fixture site's broken pages are on purpose; the summary lists them
    report, processed = _guard(lambda: demo_stage.run_demo(path, progress=show_progress(quiet)))
    click.echo(demo_stage.summary(path, report, processed))
    if report.status != "ok":
        sys.exit(EXIT_FAILED)


@cli.command()
@db_option
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False), help="Sources TOML [default: the shipped crawler/sources.toml].")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=2.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success, even on a terminal.")
@workers_option
def run(db_path: str | None, sources_path: str | None, overrides: tuple[str, ...], quiet: bool, workers: int) -> None:
    """One scheduled pass: crawl, process, then send the watches' alerts. Made for cron.

    Silent on success when not on a terminal; one line on stderr per problem. Exit codes:
    0 success, 1 a stage failed, 3 another run on the same database is still going.

    Example: chipwatch run --db /srv/chipwatch/chipwatch.db
    """
    from chipwatch import run as run_stage

    settings = dict(_parse_setting(o) for o in overrides)
    quiet_libraries()
    try:
        report = _guard(
            lambda: run_stage.run_once(db_path, sources_path=sources_path, overrides=settings, progress=show_progress(quiet), workers=workers)
        )
    except run_stage.RunBusy as exc:
        click.echo(f"chipwatch run: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    for problem in report.problems:
        click.echo(f"chipwatch run: {problem}", err=True)
    if sys.stdout.isatty() and not quiet:
        _print_crawl(report.crawl, quiet=False)
        if report.alerts is not None:
            click.echo(_alerts_summary(report.alerts))
    if not report.ok:
        sys.exit(EXIT_FAILED)


@cli.command()
@db_option
@click.option("--every", type=click.Choice(sorted(SCHEDULES)), default="1h", show_default=True, help="How often to run.")
def cron(db_path: str | None, every: str) -> None:
    """Print a crontab line that runs `chipwatch run` on a schedule.

    Paths are absolute, as cron needs. Install it with `crontab -e`, or:
    (crontab -l; chipwatch cron) | crontab -

    Example: chipwatch cron --every 30m --db /srv/chipwatch/chipwatch.db
    """
    click.echo(crontab_line(db_path or default_db_path(), every))


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it local unless you put authentication in front).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port; 0 picks a free one.")
def serve(db_path: str | None, host: str, port: int) -> None:
    """Browse and query the database in Datasette, read-only, with a SQL time limit.

    Opens with a Chinese-correct search page, facets by source, language and date, and
    stored queries (latest articles, crawl health, failures, republished copies).

    Example: chipwatch serve --db chipwatch-demo.db
    """
    from chipwatch import serve as serve_stage

    code = _guard(lambda: serve_stage.serve(db_path or default_db_path(), host=host, port=port))
    sys.exit(code)


@cli.group()
def lists() -> None:
    """Sanctions and export-control lists that mentions are flagged against.

    Every database starts with a small curated starter list (Entity List, CMIC, ...)
    of parties that matter for chips; import the full US Consolidated Screening List
    for everything else.

    Example: chipwatch lists show
    """


@lists.command(name="import")
@db_option
@click.argument("file", type=click.File("rb"))
def lists_import(db_path: str | None, file: Any) -> None:
    """Import a list file in the US Consolidated Screening List CSV format.

    Columns are matched by header name (source and name are required; alt_names are
    separated by ';'). Each list in the file (its `source`) replaces the stored entries
    of that list, so a newer file never adds duplicates; other lists are kept. Bad rows
    are reported as FILE:LINE: reason and skipped; exits 1 if any row was refused.

    Example: chipwatch lists import consolidated.csv
    """
    db = _guard(lambda: open_db(db_path))
    try:
        report = import_list(db, file)
    except ListFileError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    for number, reason in report.bad:
        click.echo(f"{file.name}:{number}: {reason}", err=True)
    click.echo(
        f"imported {report.inserted} entries of {len(report.lists)} lists "
        f"(replacing {report.replaced}), {len(report.bad)} bad rows of {report.rows}"
    )
    if report.bad:
        sys.exit(EXIT_FAILED)


@lists.command(name="show")
@db_option
def lists_show(db_path: str | None) -> None:
    """Show how many entries each stored list has, and where they came from.

    Example: chipwatch lists show --db chipwatch-demo.db
    """
    db = _guard(lambda: open_db_for_reading(db_path))
    for count in show_lists(db):
        click.echo(f"{count.list_code:8} {count.entries:7}  {count.list}  ({count.origin}, {count.imported_at[:10]})")


@cli.command()
@db_option
@click.argument("file", type=click.File("rb"), default="-")
@click.option("--jsonl", "as_jsonl", is_flag=True, default=True, help="JSON lines in and out (the default and only format).")
def analyze(db_path: str | None, file: Any, as_jsonl: bool) -> None:
    """Find entities and events in texts: JSON lines in, JSON lines out, in the same order.

    Input lines: {"id", "text", "lang"?, "title"?, "published_at"?}. Output lines: {"id",
    "language", "entities": [{"text", "label", "start", "end", "name"?, "entity_id"?,
    "sanctions"?}], "relevant", "relevance", "events": [{"type", "actors", "targets",
    "products", "mechanism"?, "amount"?, "date"?, "evidence", "start", "end",
    "confidence"}]} with character offsets into text (end exclusive). Mentions are flagged
    against the lists in the database (--db), or the shipped starter list when there is
    none. A bad line gets {"id", "error"} in its place and the command exits 1 at the end.

    Example: echo '{"id": 1, "text": "商汤科技被列入实体清单"}' | chipwatch analyze --jsonl
    """
    from chipwatch import analyze as analyze_stage

    sanctions = _guard(lambda: analyze_stage.sanctions_index(db_path))
    failed = 0
    try:
        for line in analyze_stage.analyze_lines(file, sanctions):
            failed += "error" in line
            click.echo(json.dumps(line, ensure_ascii=False))
    except PipelineError as exc:  # a model that cannot be loaded: one line, not a traceback
        raise click.ClickException(str(exc)) from None
    if failed:
        click.echo(f"chipwatch analyze: {failed} lines could not be read", err=True)
        sys.exit(EXIT_FAILED)


@cli.command()
@db_option
@click.option("-q", "--quiet", is_flag=True, help="No progress line, even on a terminal.")
@workers_option
def process(db_path: str | None, quiet: bool, workers: int) -> None:
    """Run the NLP stages over stored articles not yet processed by the current pipeline.

    Stores mentions, linked entities and sanctions flags; after a model or pipeline change
    everything is processed again. Each batch commits on its own, so an interrupted run
    loses at most one batch and the next run continues.

    Example: chipwatch process --db chipwatch-demo.db
    """
    from chipwatch import process as process_stage

    report = _guard(lambda: process_stage.process_articles(db_path, progress=show_progress(quiet), workers=workers))
    if not quiet:
        click.echo(
            f"processed {report.analyzed} articles: {report.mentions} mentions, {report.listed_mentions} of listed parties, "
            f"{report.events} events in {report.relevant} relevant articles"
        )


class InputError(click.ClickException):
    """Refused input for a watch: one line, exit code 2 like click's other usage errors."""

    exit_code = 2


@cli.group()
def watch() -> None:
    """Watches: saved searches that email analysts about new matches.

    A watch matches articles stored after it was added (--backfill for the ones already
    stored); `chipwatch alerts send` (also the end of `chipwatch run`) mails the matches.

    Example: chipwatch watch add huawei --query '华为 OR Huawei' --to analyst@example.com
    """


@watch.command(name="add")
@db_option
@click.argument("name")
@click.option("--query", default="", metavar="Q", help="Words in chipwatch search syntax (华为 OR Huawei, \"export controls\", -rumour).")
@click.option("--lang", metavar="L", help=f"Only articles in this language ({', '.join(LANGS)}).")
@click.option("--entity", metavar="NAME|ID", help="Only articles mentioning this entity (SenseTime, 商汤, org:sensetime).")
@click.option("--event", metavar="TYPE", help=f"Only articles with an event of this type ({', '.join(EVENT_TYPES)}).")
@click.option("--listed-only", is_flag=True, help="Only articles mentioning a party on a sanctions list (with --entity: that entity, listed).")
@click.option("--to", "to", multiple=True, metavar="ADDR[,ADDR]", help="Who gets the emails; comma-separated or repeated.")
@click.option("--digest", metavar="daily|weekly", help="One email a day or week instead of one per run with new matches.")
@click.option("--backfill", is_flag=True, help="Also alert on the articles already stored (by default only on new ones).")
def watch_add(
    db_path: str | None, name: str, query: str, lang: str | None, entity: str | None, event: str | None,
    listed_only: bool, to: tuple[str, ...], digest: str | None, backfill: bool,
) -> None:  # fmt: skip
    """Add a watch: a saved search whose new matches are emailed.

    The query has the syntax and Chinese behaviour of `chipwatch search`; an empty query
    needs a filter (--entity, --event or --listed-only). Bad input is refused with one line.

    Example: chipwatch watch add huawei --query '华为 OR Huawei' --to analyst@example.com

    Example: chipwatch watch add listings --event entity_listing --listed-only --to a@example.com,b@example.com --digest daily
    """
    from alerts import watches as watch_stage
    from alerts.store import open_alerts_db

    try:
        fields = watch_stage.check_watch(
            name, query, lang=lang, entity=entity, event=event, listed_only=listed_only, to=to, digest=digest, resolve_entity=resolve_entity_id
        )
    except watch_stage.WatchError as exc:
        raise InputError(str(exc)) from None
    path = db_path or default_db_path()
    db, adb = _guard(lambda: open_db(path)), _guard(lambda: open_alerts_db(path))
    try:
        added = watch_stage.add_watch(adb, db, fields, backfill=backfill)
    except watch_stage.WatchError as exc:
        raise InputError(str(exc)) from None
    since = "every stored article (backfill)" if backfill else f"articles stored from now on (after #{added.last_article_id})"
    click.echo(
        f"added watch {added.name}: {added.describe()}; {added.digest or 'immediate'} emails to {', '.join(added.recipients)}; "
        f"matches {since}"
    )


@watch.command(name="list")
@db_option
def watch_list(db_path: str | None) -> None:
    """List the watches: name, search, delivery, recipients, and their outbox counts.

    Example: chipwatch watch list
    """
    from alerts import watches as watch_stage
    from alerts.store import open_alerts_db

    path = db_path or default_db_path()
    adb = _guard(lambda: open_alerts_db(path))
    watches = watch_stage.list_watches(adb)
    if not watches:
        click.echo("no watches: add one with chipwatch watch add NAME --query Q --to ADDR", err=True)
    for w in watches:
        counts = watch_stage.outbox_counts(adb, w.id)
        click.echo(
            f"{w.name}  {w.describe()}\n    {w.digest or 'immediate'} to {', '.join(w.recipients)}; added {w.created_at}; "
            f"matched up to article #{w.last_article_id}; {counts['pending']} pending, {counts['sent']} sent, {counts['failed']} failed"
        )


@watch.command(name="remove")
@db_option
@click.argument("name")
def watch_remove(db_path: str | None, name: str) -> None:
    """Remove a watch with its recipients and its pending alerts.

    Example: chipwatch watch remove huawei
    """
    from alerts import watches as watch_stage
    from alerts.store import open_alerts_db

    adb = _guard(lambda: open_alerts_db(db_path or default_db_path()))
    try:
        removed = watch_stage.remove_watch(adb, name)
    except watch_stage.WatchError as exc:
        raise InputError(str(exc)) from None
    click.echo(f"removed watch {removed.name}")


@watch.command(name="test")
@db_option
@click.argument("name")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Show at most this many of the latest matches.")
def watch_test(db_path: str | None, name: str, limit: int) -> None:
    """Show what a watch matches now; sends nothing and changes nothing.

    Prints how many matches are new (would be mailed by the next `chipwatch alerts send`),
    then the latest matches overall, as `chipwatch search` prints them.

    Example: chipwatch watch test huawei
    """
    from alerts import watches as watch_stage
    from alerts.matching import preview
    from alerts.store import open_alerts_db

    path = db_path or default_db_path()
    db, adb = _guard(lambda: open_db(path)), _guard(lambda: open_alerts_db(path))
    try:
        w = watch_stage.get_watch(adb, name)
        latest, new = preview(db, w, limit=limit)
    except watch_stage.WatchError as exc:
        raise InputError(str(exc)) from None
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    pending = watch_stage.outbox_counts(adb, w.id)["pending"]
    click.echo(f"watch {w.name} ({w.describe()}): {new} new matches for the next send, {pending} pending in the outbox; latest matches:")
    if not latest:
        click.echo("no matches", err=True)
    for hit in latest:
        click.echo(_format_hit(hit))


@cli.group(name="alerts")
def alerts_group() -> None:
    """Alert emails for the watches' new matches.

    SMTP settings come from CHIPWATCH_SMTP_HOST, _PORT, _USER, _PASSWORD, _TLS
    (starttls, ssl or none) and CHIPWATCH_MAIL_FROM; with no host, emails are written
    as .eml files into an outbox folder beside the database. CHIPWATCH_BASE_URL (where
    recipients reach `chipwatch serve`) adds links to chipwatch's article pages and
    one-click unsubscribe; without it, unsubscribing is a mailto: to the sender.

    Example: chipwatch alerts send --dry-run
    """


@alerts_group.command(name="send")
@db_option
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send, write and change nothing.")
@click.option("--retry-now", is_flag=True, help="Retry emails waiting after a temporary failure without waiting for their retry time.")
@click.option("--outbox", "folder", type=click.Path(file_okay=False), help="Folder for .eml files when no SMTP host is set [default: beside the database, chipwatch.outbox/].")
def alerts_send(db_path: str | None, dry_run: bool, retry_now: bool, folder: str | None) -> None:
    """Match the watches against new articles and send the alert emails that are due.

    Each (watch, article) is mailed once per recipient. A temporary failure (4xx, no
    connection, timeout) leaves the email pending for a later run; a permanent one (5xx)
    marks it failed and is reported. Exit codes: 0 success, 1 a problem (listed on stderr),
    3 a `chipwatch run` on the same database is going.

    Example: CHIPWATCH_SMTP_HOST=mail.example.com chipwatch alerts send

    Example: chipwatch alerts send --dry-run
    """
    from alerts.deliver import ConfigError
    from alerts.send import has_watches, send_alerts
    from chipwatch import run as run_stage

    path = db_path or default_db_path()
    if not has_watches(path):
        click.echo("no watches: add one with chipwatch watch add NAME --query Q --to ADDR", err=True)
        return
    try:
        with run_stage.run_lock(path):
            report = _guard(lambda: send_alerts(path, dry_run=dry_run, retry_now=retry_now, folder=folder))
    except run_stage.RunBusy as exc:
        click.echo(f"chipwatch alerts: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    except (ConfigError, sqlite3.Error) as exc:  # bad settings; a database locked for too long
        raise click.ClickException(str(exc)) from None
    if dry_run:
        for line in report.planned or ["nothing to send"]:
            click.echo(line)
        return
    for line in report.deferred:
        click.echo(line)
    for waiting in report.waiting:
        click.echo(f"watch {waiting.watch} to {waiting.address}: {waiting.rows} matches waiting to retry from {waiting.next_attempt_at}")
    for problem in report.problems:
        click.echo(f"chipwatch alerts: {problem}", err=True)
    click.echo(_alerts_summary(report))
    if not report.ok:
        sys.exit(EXIT_FAILED)


@alerts_group.command(name="outbox")
@db_option
@click.option("--status", type=click.Choice(("pending", "sent", "failed")), help="Only rows with this status.")
@click.option("--watch", "watch_name", metavar="NAME", help="Only this watch's rows.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="At most this many rows, newest first.")
def alerts_outbox(db_path: str | None, status: str | None, watch_name: str | None, limit: int) -> None:
    """Show the outbox: each (watch, article, recipient) with its status, tries and last error.

    Example: chipwatch alerts outbox --status failed
    """
    from alerts.outbox import list_outbox
    from alerts.send import has_watches
    from alerts.store import open_alerts_db

    path = db_path or default_db_path()
    if not has_watches(path):
        click.echo("no watches: add one with chipwatch watch add NAME --query Q --to ADDR", err=True)
        return
    adb = _guard(lambda: open_alerts_db(path))
    for e in list_outbox(adb, status=status, watch=watch_name, limit=limit):
        when = f"sent {e.sent_at}" if e.status == "sent" else f"{e.attempts} failed tries" + (f", next from {e.next_attempt_at}" if e.status == "pending" and e.next_attempt_at else "")
        error = f"; last error: {e.last_error}" if e.last_error and e.status != "sent" else ""
        title = " ".join((e.title or "").split())[:70]
        click.echo(f"{e.status:7}  {e.watch}  {e.address}  #{e.article_id} {title}  (matched {e.matched_at}; {when}{error})")


@alerts_group.command(name="unsubscribe")
@db_option
@click.argument("who", metavar="TOKEN|ADDRESS")
@click.option("--watch", "watch_name", metavar="NAME", help="With an ADDRESS: only this watch [default: every watch it receives].")
def alerts_unsubscribe(db_path: str | None, who: str, watch_name: str | None) -> None:
    """Stop a recipient's alerts: by the token of an unsubscribe request, or by address.

    Without CHIPWATCH_BASE_URL, an alert's unsubscribe is an email to the sender with the
    subject "unsubscribe TOKEN": run this with that TOKEN (or "unsubscribe TOKEN" as is).
    The pending alerts of the recipient are dropped; `alerts outbox` keeps what was sent.

    Example: chipwatch alerts unsubscribe analyst@example.com --watch huawei
    """
    from alerts.send import has_watches
    from alerts.store import open_alerts_db
    from alerts.unsubscribe import TokenError, unsubscribe_address, unsubscribe_token

    path = db_path or default_db_path()
    if not has_watches(path):
        raise click.ClickException("no watches: nothing to unsubscribe from")
    adb = _guard(lambda: open_alerts_db(path))
    text = who.strip()
    text = text[len("unsubscribe "):].strip() if text.lower().startswith("unsubscribe ") else text
    try:
        done = unsubscribe_address(adb, text, watch_name) if "@" in text else [unsubscribe_token(adb, text, "cli")]
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        adb.close()
    if not done:
        raise click.ClickException(f"{text} receives no watch" + (f" named {watch_name}" if watch_name else ""))
    for d in done:
        click.echo(f"{d.address}: {'already unsubscribed from' if d.already else 'unsubscribed from'} watch {d.watch}")


def _alerts_summary(report: Any) -> str:
    line = (
        f"{report.watches} watches: {report.new_matches} new matches; sent {report.emails} emails "
        f"({report.matches_sent} matches), {len(report.deferred)} deferred, {report.failed} failed"
    )
    if report.files:
        line += f"; wrote {len(report.files)} .eml files into {report.where} (no CHIPWATCH_SMTP_HOST set)"
    elif report.where:
        line += f" via {report.where}"
    return line


@cli.command()
@db_option
@click.option("--since", default="7d", show_default=True, metavar="DATE|AGE", help="The period: since a date (2026-03-01) or within an age (7d, 4w).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default="report.html", show_default=True, help="The HTML file to write.")
def report(db_path: str | None, since: str, out: str) -> None:
    """Write a one-page HTML summary of a period, to forward to a colleague.

    New events by type and week (a chart), the most-mentioned entities, the listed parties
    mentioned, and the latest events with their evidence. One self-contained file.

    Example: chipwatch report --since 30d --out report.html
    """
    from alerts.report import ReportError, write_report

    path = db_path or default_db_path()
    if not Path(path).exists():
        raise click.ClickException(f"no database at {path}: run chipwatch crawl or chipwatch import first")
    db = _guard(lambda: open_db_for_reading(path))
    try:
        summary = write_report(db, Path(out), since=since)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}: {summary}")


def _file_size(handle: Any) -> int:
    """Size of a regular file in bytes; 0 for a pipe or stdin."""
    try:
        return os.fstat(handle.fileno()).st_size if Path(handle.name).is_file() else 0
    except (OSError, ValueError):
        return 0


def _parse_setting(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}", param_hint="-s/--set")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def _guard(work: Any) -> Any:
    """Run a library call; its expected failures become one clear line instead of a traceback."""
    try:
        return work()
    except (SourceError, StoreError, PipelineError, UnknownEntity) as exc:
        raise click.ClickException(str(exc)) from None


def _format_hit(hit: Any) -> str:
    """Date, language, source, id and title; then the URL and the snippet, indented."""
    return f"{(hit.published_at or '')[:10]:10}  {hit.lang or '':7}  {hit.source}  #{hit.id}  {hit.title or ''}\n    {hit.url}\n    {hit.snippet}\n"


def _print_crawl(report: CrawlReport, quiet: bool) -> None:
    for problem in report.problems:
        click.echo(f"chipwatch crawl: {problem}", err=True)
    if not quiet or report.status != "ok":
        click.echo(
            f"crawl run {report.run_id}: {report.stored} new articles, {report.duplicates} near-duplicates, "
            f"{report.known} already stored, {report.failures} pages failed, "
            f"{report.pages} pages in {report.seconds:.1f}s"
            + (f", {report.stale} stale sitemap entries skipped" if report.stale else "")
            + (f", {report.backing_off} failed pages waiting to be retried" if report.backing_off else "")
        )
        for line in report.caps_reached:
            click.echo(f"  {line}")


if __name__ == "__main__":
    cli()
