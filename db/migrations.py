"""The database schema, as append-only migrations: never edit a step, add a new one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from core.sites import same_site
from db import dedup, sanctions, search

migrations = Migrations("chipwatch")


@migrations()
def m001_articles(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',   -- running | ok | failed
            finish_reason TEXT,
            sources TEXT NOT NULL DEFAULT '[]',       -- JSON list of source ids
            pages_stored INTEGER NOT NULL DEFAULT 0,
            pages_known INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            stats TEXT NOT NULL DEFAULT '{}'          -- JSON: Scrapy's stats of the run
        )
        """
    )
    db.execute(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,                 -- normalised URL the story was fetched or imported from
            canonical_url TEXT,                       -- normalised rel=canonical / og:url, when the page gave one
            source TEXT NOT NULL,
            lang TEXT,                                -- zh | zh-Hant | en | other ISO code
            title TEXT,
            text TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',       -- JSON list
            published_at TEXT,                        -- ISO-8601
            fetched_at TEXT NOT NULL,                 -- ISO-8601, UTC
            content_hash TEXT NOT NULL,               -- sha256 of the whitespace-normalised text
            encoding TEXT,                            -- codec the page was decoded with
            content_type TEXT,                        -- HTTP Content-Type as served
            raw_html BLOB,                            -- zlib-compressed bytes as served
            duplicate_of INTEGER REFERENCES articles(id),
            crawl_run_id INTEGER REFERENCES crawl_runs(id)
        )
        """
    )
    db.execute("CREATE INDEX articles_published_at ON articles(published_at)")
    db.execute("CREATE INDEX articles_source ON articles(source)")
    db.execute("CREATE INDEX articles_content_hash ON articles(content_hash)")
    db.execute("CREATE INDEX articles_duplicate_of ON articles(duplicate_of)")
    db.execute(
        """
        CREATE TABLE article_urls (                   -- every URL known to lead to a stored story
            url TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE article_bands (                  -- MinHash LSH bands for near-duplicate lookup
            key INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id)
        )
        """
    )
    db.execute("CREATE INDEX article_bands_key ON article_bands(key)")
    db.execute(
        """
        CREATE TABLE article_signatures (             -- MinHash signatures: a cheap similarity estimate before the exact check
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            minhash BLOB NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE fetch_failures (                 -- pages a crawl could not store, and why
            id INTEGER PRIMARY KEY,
            crawl_run_id INTEGER REFERENCES crawl_runs(id),
            url TEXT NOT NULL,
            source TEXT,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX fetch_failures_run ON fetch_failures(crawl_run_id)")


@migrations()
def m002_search(db: Database) -> None:
    """Full-text search (db/search.py): a contentless FTS5 index of each article's search form.

    The search form is computed in Python, so no trigger can keep the index in step: store.py
    indexes each article it inserts, and this step indexes the articles already stored.
    """
    search.create_index(db)
    search.index_all(db)


@migrations()
def m003_sanctions(db: Database) -> None:
    """Sanctions lists (db/sanctions.py): entries in the CSL format and their normalised names.

    Loads the curated starter list shipped in nlp/kb/sanctions_starter.csv, so that every
    database flags the parties that matter for chips before anyone imports a full list.
    """
    db.execute(
        """
        CREATE TABLE sanctions_entries (              -- one row per entry of a screening list (CSL format)
            id INTEGER PRIMARY KEY,
            list TEXT NOT NULL,                       -- CSL source, e.g. 'Entity List (EL) - Bureau of Industry and Security'
            list_code TEXT NOT NULL,                  -- EL | SDN | UVL | MEU | CMIC | ... (from the parenthesis)
            entity_number TEXT,
            type TEXT,                                -- Entity | Individual | Vessel | Aircraft
            name TEXT NOT NULL,
            alt_names TEXT NOT NULL DEFAULT '[]',     -- JSON list of other names
            programs TEXT,
            addresses TEXT,
            federal_register_notice TEXT,             -- e.g. '84 FR 22961'
            start_date TEXT,                          -- date the party was added to the list
            country TEXT,                             -- ISO code of the first address, when the file gives one
            source_url TEXT,                          -- where the list is published
            remarks TEXT,
            origin TEXT NOT NULL,                     -- 'starter' (shipped with chipwatch) or the imported file's name
            imported_at TEXT NOT NULL                 -- ISO-8601, UTC
        )
        """
    )
    db.execute("CREATE INDEX sanctions_entries_list ON sanctions_entries(list)")
    db.execute("CREATE INDEX sanctions_entries_list_code ON sanctions_entries(list_code)")
    db.execute(
        """
        CREATE TABLE sanctions_names (                -- every name and alt name, normalised, for lookup
            name_key TEXT NOT NULL,                   -- nlp.sanctions.normalize_party(name)
            entry_id INTEGER NOT NULL REFERENCES sanctions_entries(id),
            name TEXT NOT NULL,                       -- the name as the list spells it
            kind TEXT NOT NULL,                       -- name | alt
            PRIMARY KEY (name_key, entry_id)
        )
        """
    )
    db.execute("CREATE INDEX sanctions_names_entry ON sanctions_names(entry_id)")
    sanctions.ensure_starter_list(db)


@migrations()
def m004_entities(db: Database) -> None:
    """The entity layer's output: the knowledge base's entities, mentions per article, and which
    articles the current NLP pipeline version has analysed (a new version re-analyses them)."""
    db.execute(
        """
        CREATE TABLE entities (                       -- mirror of nlp/kb, refreshed by chipwatch process
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,                       -- org | product
            type TEXT,
            country TEXT,
            zh TEXT,
            zh_hant TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            start_char INTEGER NOT NULL,              -- character offsets into articles.text, end exclusive
            end_char INTEGER NOT NULL,
            text TEXT NOT NULL,
            label TEXT NOT NULL,                      -- PERSON ORG GPE LOC PRODUCT DATE MONEY ...
            entity_id TEXT REFERENCES entities(id),   -- the knowledge base's entity, when resolved
            name TEXT,                                -- its canonical English name
            listed INTEGER NOT NULL DEFAULT 0,        -- 1 when the mention matches a sanctions-list entry
            lists TEXT                                -- JSON [{"list", "name"}] of the matched entries
        )
        """
    )
    db.execute("CREATE INDEX mentions_article ON mentions(article_id)")
    db.execute("CREATE INDEX mentions_entity ON mentions(entity_id)")
    db.execute("CREATE INDEX mentions_listed ON mentions(listed) WHERE listed = 1")
    db.execute(
        """
        CREATE TABLE article_analysis (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            pipeline_version TEXT NOT NULL,
            analyzed_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m005_events(db: Database) -> None:
    """Events (nlp/events) per article, their links to entities, and each article's relevance.

    `lang` and `month` are copied from the article so Datasette can facet on them directly.
    """
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            type TEXT NOT NULL,                       -- one of nlp.events.EVENT_TYPES
            actors TEXT NOT NULL DEFAULT '[]',        -- JSON lists of names (canonical when resolved)
            targets TEXT NOT NULL DEFAULT '[]',
            products TEXT NOT NULL DEFAULT '[]',
            mechanism TEXT,                           -- circumvention only: cloud_rental, intermediary, ...
            amount TEXT,
            date TEXT,                                -- when the event happened or takes effect, as stated
            evidence TEXT NOT NULL,                   -- the sentence
            start_char INTEGER NOT NULL,              -- its offsets into articles.text, end exclusive
            end_char INTEGER NOT NULL,
            confidence REAL NOT NULL,
            lang TEXT,
            published_at TEXT,
            month TEXT                                -- YYYY-MM of published_at
        )
        """
    )
    db.execute("CREATE INDEX events_article ON events(article_id)")
    db.execute("CREATE INDEX events_type ON events(type, published_at)")
    db.execute(
        """
        CREATE TABLE event_entities (
            event_id INTEGER NOT NULL REFERENCES events(id),
            entity_id TEXT NOT NULL REFERENCES entities(id),
            role TEXT NOT NULL,                       -- actor | target | product
            PRIMARY KEY (event_id, entity_id, role)
        )
        """
    )
    db.execute("CREATE INDEX event_entities_entity ON event_entities(entity_id)")
    db.execute("ALTER TABLE article_analysis ADD COLUMN relevant INTEGER")
    db.execute("ALTER TABLE article_analysis ADD COLUMN relevance REAL")
    db.execute("CREATE INDEX article_analysis_relevant ON article_analysis(relevant) WHERE relevant = 1")


@migrations()
def m006_reindex_one_fold(db: Database) -> None:
    """Re-index every article: the index's Traditional → Simplified fold and language tags now come
    from chipwatch's one bottom layer (core/script.py, core/language.py), shared with extraction,
    the knowledge base and the event rules (a language tag such as fr-FR is indexed as fr now)."""
    search.index_all(db)


@migrations()
def m007_failure_backoff(db: Database) -> None:
    """One fetch_failures row per URL, with a retry time that backs off; articles record dropped bytes.

    A page that fails is retried after a growing delay (db/failures.py) instead of on every run,
    and each further failure updates its row (attempts, last reason, next retry) instead of adding
    one. Older duplicate rows are folded into the latest one per URL, their count kept as attempts.
    `articles.encoding_replaced` is the number of bytes a lenient Chinese decode dropped (0: none).
    """
    db.execute("ALTER TABLE articles ADD COLUMN encoding_replaced INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE fetch_failures ADD COLUMN first_failed_at TEXT")
    db.execute("ALTER TABLE fetch_failures ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE fetch_failures ADD COLUMN retry_after TEXT")  # UTC ISO time; not requested before it
    db.execute(
        """
        UPDATE fetch_failures SET
            attempts = (SELECT count(*) FROM fetch_failures f WHERE f.url = fetch_failures.url),
            first_failed_at = (SELECT min(f.at) FROM fetch_failures f WHERE f.url = fetch_failures.url)
        """
    )
    db.execute("DELETE FROM fetch_failures WHERE id NOT IN (SELECT max(id) FROM fetch_failures GROUP BY url)")
    db.execute("UPDATE fetch_failures SET first_failed_at = at WHERE first_failed_at IS NULL")
    db.execute("CREATE UNIQUE INDEX fetch_failures_url ON fetch_failures(url)")
    db.execute("CREATE INDEX fetch_failures_retry ON fetch_failures(retry_after)")


@migrations()
def m008_sketches(db: Database) -> None:
    """Near-duplicate checks from stored sketches (db/dedup.py, db/copies.py), at a cost that does
    not grow with the corpus: each article's sketch (one-permutation MinHash, bottom-k, shingle
    count) replaces its datasketch signature, the LSH bands are 21 of 6 rows in a table clustered
    by key, and articles keep the aggregator banner cut from their text (db/banners.py).

    The sketches and bands of the stored articles are computed again from their texts. Their
    texts are left as they are (a banner on an old article stays; analyses' offsets still hold).
    Aliases that came from a canonical URL on another host are dropped: such a URL is recorded,
    not trusted (db/store.py `_own_urls`).
    """
    db.execute("DROP TABLE article_bands")
    db.execute("DROP TABLE article_signatures")
    db.execute(
        """
        CREATE TABLE article_sketches (               -- db/dedup.py Sketch.to_bytes(): what verification reads
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            sketch BLOB NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE article_bands (                  -- LSH band keys of each sketch, clustered by key for lookup
            key INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            PRIMARY KEY (key, article_id)
        ) WITHOUT ROWID
        """
    )
    db.execute("ALTER TABLE articles ADD COLUMN banner TEXT")  # the aggregator banner lines cut from the text, one a line
    last = 0
    while rows := db.execute("SELECT id, text FROM articles WHERE id > ? ORDER BY id LIMIT 500", [last]).fetchall():
        for article_id, text in rows:
            sketch = dedup.sketch(text)
            if sketch is not None:
                db.execute("INSERT INTO article_sketches (article_id, sketch) VALUES (?, ?)", [article_id, sketch.to_bytes()])
                db.conn.executemany(
                    "INSERT OR IGNORE INTO article_bands (key, article_id) VALUES (?, ?)", [(k, article_id) for k in dedup.band_keys(sketch)]
                )
        last = rows[-1][0]
    foreign = [
        (canonical, article_id)
        for article_id, url, canonical in db.execute("SELECT id, url, canonical_url FROM articles WHERE canonical_url IS NOT NULL AND canonical_url != url")
        if not same_site(canonical, url)
    ]
    db.conn.executemany("DELETE FROM article_urls WHERE url = ? AND article_id = ?", foreign)


@migrations()
def m009_starter_fingerprint(db: Database) -> None:
    """Which version of the shipped starter list a database holds (sha256 of the file), so that
    opening the database with a newer chipwatch refreshes the built-in rows (db.sanctions.ensure_starter_list);
    imported rows are never touched. Also: imports no longer replace starter rows of the same list."""
    db.execute(
        """
        CREATE TABLE sanctions_sources (               -- one row per built-in list file loaded
            origin TEXT PRIMARY KEY,                   -- 'starter'
            fingerprint TEXT NOT NULL,                 -- sha256 of the file's bytes
            loaded_at TEXT NOT NULL
        )
        """
    )
    sanctions.ensure_starter_list(db)
