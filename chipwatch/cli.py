"""The `chipwatch` command: a thin shell over the stages. Each command is a few lines."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from chipwatch import demo as demo_stage
from chipwatch.crawl import CrawlReport, run_crawl
from chipwatch.importer import import_jsonl
from crawler.extract import ExtractionError
from crawler.page import parse_page
from crawler.sources import SourceError, load_sources
from db.store import StoreError, open_db

# Exit codes: 0 success; 1 the work failed or was partly refused; 2 usage error (click's own).
EXIT_FAILED = 1

NOISY_LOGGERS = ("scrapy", "twisted", "trafilatura", "htmldate", "charset_normalizer", "urllib3", "filelock")

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    envvar="CHIPWATCH_DB",
    default=None,
    help="SQLite database file [default: $CHIPWATCH_DB or ./chipwatch.db].",
)


def configure_logging(verbose: int) -> None:
    """WARNING by default so that cron mail carries only problems; -v for INFO, -vv for DEBUG.

    The level sits on the handler: Scrapy resets logger levels when a crawl starts.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if verbose < 2:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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

    Pages already stored are not fetched again. Exits 1 if the crawl failed.

    Example: chipwatch crawl --only people-it --only 36kr
    """
    settings = dict(_parse_setting(o) for o in overrides)
    report = _guard(lambda: run_crawl(db_path, sources_path=sources_path, base_url=base_url, only=only, overrides=settings, progress=show_progress(quiet)))
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
    failed = 0
    for path in files:
        line: dict[str, Any] = {"path": path, "url": url, "title": None, "text": "", "published_at": None, "authors": [], "language": None, "encoding": None}
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
            )
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        sys.exit(EXIT_FAILED)


@cli.command(name="import")
@db_option
@click.argument("file", type=click.File("rb"))
@click.option("--source", "default_source", default="import", show_default=True, help="Source name for lines that give none.")
def import_(db_path: str | None, file: Any, default_source: str) -> None:
    """Import articles from a JSON Lines file ('-' for stdin).

    Each line: {"url","title","text","lang","published_at","source"}; url and text are
    required. Bad lines are reported with their line number and skipped; the good ones
    are stored. Exits 1 if any line was refused.

    Example: chipwatch import articles.jsonl
    """
    db = _guard(lambda: open_db(db_path))
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
@db_option
@click.option("-q", "--quiet", is_flag=True, help="Only the summary.")
def demo(db_path: str | None, quiet: bool) -> None:
    """Crawl a built-in fixture news site over HTTP on 127.0.0.1 and store it.

    Uses ./chipwatch-demo.db unless --db or $CHIPWATCH_DB says otherwise, so your own
    database is never touched. Prints a summary and commands to try next.

    Example: chipwatch demo
    """
    path = db_path or demo_stage.DEMO_DB
    report = _guard(lambda: demo_stage.run_demo(path, progress=show_progress(quiet)))
    click.echo(demo_stage.summary(path, report))
    if report.status != "ok":
        sys.exit(EXIT_FAILED)


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
    except (SourceError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None


def _print_crawl(report: CrawlReport, quiet: bool) -> None:
    for problem in report.problems:
        click.echo(f"chipwatch crawl: {problem}", err=True)
    if not quiet or report.status != "ok":
        click.echo(
            f"crawl run {report.run_id}: {report.stored} new articles, {report.duplicates} near-duplicates, "
            f"{report.known} already stored, {report.failures} pages failed, "
            f"{report.pages} pages in {report.seconds:.1f}s"
        )


if __name__ == "__main__":
    cli()
