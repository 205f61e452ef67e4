"""Fault injection: `chipwatch run` killed with SIGKILL at random points, and what must hold after.

Used by tests/chipwatch/test_faults.py (a few kills) and bench/faults.py (20+ kills per stage).

Crawl stage: a generated site on 127.0.0.1 is crawled by `chipwatch run` subprocesses, each
killed after a random delay while its crawl is still going. Before each kill a reader takes a
snapshot of the committed articles; after it the database must pass `PRAGMA integrity_check`,
hold every snapshotted article under the same id and URL exactly once, have its search index in
step with its articles, and a final run must store every page of the site exactly once.

Process stage: a database with stored articles and nothing left to crawl; each run is killed
at a random point after its crawl has finished, that is while `process` works. The analyses
committed before the kill must survive, no article may have mentions without its analysis mark
or duplicated mentions, and after a final run every article's mentions must equal those of a
reference database processed without interruption.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chipwatch.demo import LOCAL_SITE_SETTINGS
from tests.support.hostile import wait_until
from bench.sitegen import generated_article, generated_page_path, generated_sources_toml, serve_generated_site
from db.search import TABLE, article_id

# Small batches commit often, so kills land between commits as well as inside them.
FAULT_SETTINGS = {**LOCAL_SITE_SETTINGS, "CHIPWATCH_BATCH_SIZE": 10, "CHIPWATCH_MAX_ARTICLES_PER_SOURCE": 100_000}


class FaultCheckFailed(AssertionError):
    """Something committed was lost or duplicated, or the database is damaged."""


@dataclass
class State:
    """What a reader sees in the database between kills."""

    articles: dict[int, str]  # id -> url
    analysed: set[int]
    crawl_finished: int  # crawl_runs rows with finished_at
    crawl_runs: int = 0


@dataclass
class KillReport:
    stage: str
    delay: float
    articles_before: int
    articles_after: int
    analysed_before: int
    analysed_after: int


@dataclass
class CampaignReport:
    stage: str
    kills: list[KillReport] = field(default_factory=list)
    final_articles: int = 0
    final_analysed: int = 0
    seconds: float = 0.0


PROCESS_BATCH = 20


def chipwatch_run(db_path: Path, sources: Path, settings: dict | None = None) -> subprocess.Popen:
    args = [a for k, v in (settings or FAULT_SETTINGS).items() for a in ("-s", f"{k}={json.dumps(v)}")]
    return subprocess.Popen(
        [sys.executable, "-m", "chipwatch.cli", "run", "--db", str(db_path), "--sources", str(sources), "--quiet", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CHIPWATCH_PROCESS_BATCH": str(PROCESS_BATCH)},
    )


def read_state(db_path: Path) -> State:
    """A snapshot through a separate read-only connection, as Datasette would read."""
    if not db_path.exists():
        return State({}, set(), 0)
    try:
            conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:  # the first run has not created it yet
        return State({}, set(), 0)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "articles" not in tables:
            return State({}, set(), 0)
        articles = dict(conn.execute("SELECT id, url FROM articles"))
        analysed = {r[0] for r in conn.execute("SELECT article_id FROM article_analysis")} if "article_analysis" in tables else set()
        finished, runs = conn.execute("SELECT count(finished_at), count(*) FROM crawl_runs").fetchone()
        return State(articles, analysed, finished, runs)
    except sqlite3.OperationalError:  # the schema is being created by the first run
        return State({}, set(), 0)
    finally:
        conn.close()


# (SQL giving a count that must be 0, the problem it means)
COUNT_CHECKS = (
    ("SELECT count(*) FROM (SELECT 1 FROM articles GROUP BY url HAVING count(*) > 1)", "{count} URLs stored more than once"),
    (
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_urls u WHERE u.url = a.url AND u.article_id = a.id)",
        "{count} articles missing from article_urls",
    ),
    (
        "SELECT count(DISTINCT article_id) FROM mentions WHERE article_id NOT IN (SELECT article_id FROM article_analysis)",
        "{count} articles have mentions but no analysis mark",
    ),
    (
        "SELECT count(*) FROM (SELECT 1 FROM mentions GROUP BY article_id, start_char, end_char, label HAVING count(*) > 1)",
        "{count} mentions stored more than once",
    ),
)


def check_database(db_path: Path) -> list[str]:
    """Every invariant a kill must not break; one line per violation, empty when all hold."""
    problems = []
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:5]}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"articles", "article_urls", TABLE, "mentions", "article_analysis"} <= tables:
            return problems  # killed while the first run was still creating the schema: the next run completes it
        for sql, problem in COUNT_CHECKS:
            if count := conn.execute(sql).fetchone()[0]:
                problems.append(problem.format(count=count))
        indexed = [article_id(r[0]) for r in conn.execute(f"SELECT rowid FROM {TABLE}")]
        ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
        if sorted(indexed) != sorted(ids):
            problems.append(f"search index out of step: {len(indexed)} entries for {len(ids)} articles")
        try:
            conn.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"search index integrity-check: {exc}")
    finally:
        conn.close()
    return problems


def compare(before: State, after: State) -> list[str]:
    """What was committed before the kill must be there after it, unchanged."""
    problems = []
    lost = {i: u for i, u in before.articles.items() if after.articles.get(i) != u}
    if lost:
        problems.append(f"{len(lost)} committed articles lost or changed, e.g. {next(iter(lost.items()))}")
    lost_analyses = before.analysed - after.analysed
    if lost_analyses:
        problems.append(f"{len(lost_analyses)} committed analyses lost")
    return problems


def _kill_at(process: subprocess.Popen, delay: float, ready: Callable[[], bool] | None, db_path: Path) -> tuple[State, bool]:
    """Wait until `ready` (if given), then `delay` seconds; snapshot, SIGKILL. False if it ended first."""
    if ready is not None and not wait_until(lambda: ready() or process.poll() is not None, timeout=120):
        raise FaultCheckFailed("the run never reached the stage to kill")
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    before = read_state(db_path)
    if process.poll() is not None:
        process.communicate()
        return before, False
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        raise FaultCheckFailed("processes left behind by the killed run still hold its stdout and stderr") from None
    return before, True


def crawl_campaign(workdir: Path, kills: int, pages: int = 600, seed: int = 0, max_delay: float = 0.5, log: Callable[[str], None] = lambda _: None) -> CampaignReport:
    """Kill `chipwatch run` during its crawl `kills` times, checking after each; then let one run finish."""
    rng = random.Random(seed)
    db_path = workdir / "crawl-faults.db"
    report = CampaignReport("crawl")
    started = time.monotonic()
    site_no = 0
    while len(report.kills) < kills:
        site_no += 1
        # A fresh site (new port, so new URLs) whenever the previous one was crawled completely.
        with serve_generated_site(pages, seed=seed * 1000 + site_no) as base:
            sources = workdir / "sources.toml"
            sources.write_text(generated_sources_toml(pages).replace('"/', f'"{base}/'), encoding="utf-8")
            wanted = {base + generated_page_path(i) for i in range(1, pages + 1)}
            while len(report.kills) < kills:
                start = read_state(db_path)
                process = chipwatch_run(db_path, sources)
                if rng.random() < 0.15:  # now and then while the run starts up (imports, migrations, lock)
                    delay, ready = rng.uniform(0.0, 4.0), None
                else:  # mostly once a random share of what is left has been stored, a random moment later
                    left = len(wanted - set(start.articles.values()))
                    target = len(start.articles) + rng.randrange(0, max(1, left * 9 // 10))
                    delay = rng.uniform(0.0, max_delay)

                    def ready(start: State = start, target: int = target) -> bool:
                        state = read_state(db_path)
                        # a crawl that is over is killed too (not counted): no need to wait for its process stage
                        return state.crawl_runs > start.crawl_runs and (len(state.articles) >= target or state.crawl_finished > start.crawl_finished)
                before, killed = _kill_at(process, delay, ready, db_path)
                after = read_state(db_path)
                before_runs = start.crawl_finished
                if killed and after.crawl_finished > before_runs:
                    killed = False  # the crawl was over: this kill belongs to the process stage, not this campaign
                if killed:
                    problems = check_database(db_path) + compare(before, after)
                    if problems:
                        raise FaultCheckFailed(f"after crawl kill {len(report.kills) + 1} at {delay:.2f}s: " + "; ".join(problems))
                    report.kills.append(KillReport("crawl", delay, len(before.articles), len(after.articles), len(before.analysed), len(after.analysed)))
                    log(f"crawl kill {len(report.kills)}: at {delay:.2f}s, {len(before.articles)} articles before, {len(after.articles)} after: ok")
                stored_urls = set(after.articles.values())
                if wanted <= stored_urls:
                    break
            _finish(db_path, sources, report)
            stored = read_state(db_path).articles.values()
            missing = wanted - set(stored)
            if missing:
                raise FaultCheckFailed(f"the final run left {len(missing)} pages of site {site_no} unstored")
    report.seconds = time.monotonic() - started
    return report


def seed_articles(db_path: Path, count: int, seed: int = 0) -> None:
    """Store `count` generated articles directly (no crawl), for the process campaign."""
    from db.store import ArticleRecord, open_db, save_articles

    db = open_db(db_path)
    records = []
    for i in range(1, count + 1):
        lang, title, published, paragraphs = generated_article(i, seed)
        records.append(ArticleRecord(url=f"https://seeded.example{generated_page_path(i)}", source="seeded", lang=lang, title=title,
                                     text="\n\n".join(paragraphs), published_at=published))
    for i in range(0, len(records), 100):
        save_articles(db, records[i : i + 100])
    db.close()


def mentions_by_article(db_path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            """SELECT a.url, m.start_char, m.end_char, m.label, m.entity_id FROM mentions m JOIN articles a ON a.id = m.article_id
               ORDER BY a.url, m.start_char, m.end_char, m.label"""
        ).fetchall()
    finally:
        conn.close()
    out: dict[str, list[tuple]] = {}
    for url, *rest in rows:
        out.setdefault(url, []).append(tuple(rest))
    return out


def process_campaign(workdir: Path, kills: int, articles: int = 200, seed: int = 0, max_delay: float = 2.0, log: Callable[[str], None] = lambda _: None) -> CampaignReport:
    """Kill `chipwatch run` while `process` works, `kills` times; then compare with an uninterrupted reference."""
    rng = random.Random(seed)
    report = CampaignReport("process")
    started = time.monotonic()
    reference = workdir / "process-reference.db"
    db_path = workdir / "process-faults.db"
    for path in (reference, db_path):
        seed_articles(path, articles, seed)
    with serve_generated_site(1) as base:  # one page: the crawl ends at once and process does the work
        sources = workdir / "process-sources.toml"
        sources.write_text(generated_sources_toml(1).replace('"/', f'"{base}/'), encoding="utf-8")
        _finish(reference, sources, report)
        generation = 0
        while len(report.kills) < kills:
            if len(read_state(db_path).analysed) >= articles + 1:
                # All processed: start the stage over on a fresh copy of the articles.
                generation += 1
                db_path = workdir / f"process-faults-{generation}.db"
                seed_articles(db_path, articles, seed)
            start = read_state(db_path)
            process = chipwatch_run(db_path, sources)
            # After the crawl, once a random share of what is left has been committed, then a
            # random moment more: kills land inside batches and between them.
            target = len(start.analysed) + rng.randrange(0, max(1, articles + 1 - len(start.analysed)))
            delay = rng.uniform(0.0, max_delay)

            def ready(start: State = start, target: int = target) -> bool:
                state = read_state(db_path)  # noqa: B023 - one database file for every kill
                return state.crawl_finished > start.crawl_finished and len(state.analysed) >= min(target, articles)

            before, killed = _kill_at(process, delay, ready, db_path)
            after = read_state(db_path)
            if not killed:
                continue
            problems = check_database(db_path) + compare(before, after)
            if problems:
                raise FaultCheckFailed(f"after process kill {len(report.kills) + 1} at +{delay:.2f}s: " + "; ".join(problems))
            report.kills.append(KillReport("process", delay, len(before.articles), len(after.articles), len(before.analysed), len(after.analysed)))
            log(f"process kill {len(report.kills)}: at +{delay:.2f}s after the crawl, {len(before.analysed)} analysed before, {len(after.analysed)} after: ok")
        _finish(db_path, sources, report)
    if mentions_by_article(db_path) != mentions_by_article(reference):
        raise FaultCheckFailed("after the final run the mentions differ from the uninterrupted reference")
    report.seconds = time.monotonic() - started
    return report


def _finish(db_path: Path, sources: Path, report: CampaignReport) -> None:
    """One run left to finish; it must succeed and leave a sound database."""
    process = chipwatch_run(db_path, sources)
    _, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise FaultCheckFailed(f"the run after the kills exited {process.returncode}: {err.strip()[-500:]}")
    problems = check_database(db_path)
    if problems:
        raise FaultCheckFailed("after the final run: " + "; ".join(problems))
    state = read_state(db_path)
    report.final_articles, report.final_analysed = len(state.articles), len(state.analysed)
    if report.final_analysed != report.final_articles:
        raise FaultCheckFailed(f"the final run left {report.final_articles - report.final_analysed} articles unprocessed")


def write_import_file(path: Path, count: int, seed: int = 0) -> set[str]:
    """`count` articles of bench/corpus.py as a chipwatch import file; returns their URLs."""
    from bench.corpus import articles
    from core.urls import normalize_url

    urls = set()
    with path.open("w", encoding="utf-8") as handle:
        for record in articles(1, count + 1, seed):
            handle.write(json.dumps({"url": record.url, "title": record.title, "text": record.text, "lang": record.lang,
                                     "published_at": record.published_at, "source": record.source}, ensure_ascii=False) + "\n")
            urls.add(normalize_url(record.url))
    return urls


def chipwatch_import(db_path: Path, file: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chipwatch.cli", "import", "--db", str(db_path), "--quiet", str(file)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def import_campaign(workdir: Path, kills: int, articles: int = 20_000, seed: int = 0, max_delay: float = 1.0, log: Callable[[str], None] = lambda _: None) -> CampaignReport:
    """Kill `chipwatch import` of one file `kills` times, checking after each; then one import
    must finish it: every line's article stored exactly once, the database sound."""
    rng = random.Random(seed)
    report = CampaignReport("import")
    started = time.monotonic()
    db_path, file = workdir / "import-faults.db", workdir / "import.jsonl"
    wanted = write_import_file(file, articles, seed)
    while len(report.kills) < kills:
        start = read_state(db_path)
        if len(start.articles) >= articles:
            break
        process = chipwatch_import(db_path, file)
        target = len(start.articles) + rng.randrange(0, max(1, (articles - len(start.articles)) * 9 // 10))
        delay = rng.uniform(0.0, max_delay)

        def ready(target: int = target) -> bool:
            return len(read_state(db_path).articles) >= target

        before, killed = _kill_at(process, delay, ready, db_path)
        if not killed:
            break
        after = read_state(db_path)
        problems = check_database(db_path) + compare(before, after)
        if problems:
            raise FaultCheckFailed(f"after import kill {len(report.kills) + 1} at +{delay:.2f}s: " + "; ".join(problems))
        report.kills.append(KillReport("import", delay, len(before.articles), len(after.articles), 0, 0))
        log(f"import kill {len(report.kills)}: at +{delay:.2f}s, {len(before.articles)} articles before, {len(after.articles)} after: ok")
    process = chipwatch_import(db_path, file)
    _, err = process.communicate(timeout=3600)
    if process.returncode != 0:
        raise FaultCheckFailed(f"the import after the kills exited {process.returncode}: {err.strip()[-500:]}")
    problems = check_database(db_path)
    stored = list(read_state(db_path).articles.values())
    if len(stored) != len(set(stored)) or set(stored) != wanted:
        problems.append(f"{len(wanted - set(stored))} lines not stored, {len(stored) - len(set(stored))} stored twice, {len(set(stored) - wanted)} unknown")
    if problems:
        raise FaultCheckFailed("after the final import: " + "; ".join(problems))
    report.final_articles = len(stored)
    report.seconds = time.monotonic() - started
    return report
