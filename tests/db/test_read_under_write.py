"""Readers never see "database is locked" while chipwatch writes: Datasette (`chipwatch serve`) and the
search library read the database while batches of articles are committed. bench/read_under_write.py
measures the latencies against a real `chipwatch run`."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bench.sitegen import generated_article
from db.search import Filters, search
from db.store import ArticleRecord, open_db, save_articles

SECONDS = 6


def records(start, n):
    out = []
    for i in range(start, start + n):
        lang, title, published, paragraphs = generated_article(i, seed=3)
        out.append(ArticleRecord(url=f"https://w.example/{i}", source="w", lang=lang, title=title, text="\n".join(paragraphs), published_at=published))
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("rw") / "chipwatch.db"
    db = open_db(db_path)
    save_articles(db, records(1, 50))
    db.close()
    process = subprocess.Popen([sys.executable, "-m", "chipwatch.cli", "serve", "--db", str(db_path), "--port", "0"],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    base = None
    deadline = time.monotonic() + 60
    while base is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if match := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
            base = match.group(1)
        elif not line and process.poll() is not None:
            break
    if base is None:
        process.kill()
        pytest.fail("Datasette did not start")
    threading.Thread(target=process.stderr.read, daemon=True).start()
    yield db_path, base
    process.terminate()
    process.wait(timeout=10)


def test_readers_see_no_lock_errors_while_batches_commit(served):
    db_path, base = served
    stop = threading.Event()
    errors: list[str] = []
    reads: list[float] = []
    written = [0]

    def writer():
        db = open_db(db_path)
        start = 51
        while not stop.is_set():
            written[0] += len(save_articles(db, records(start, 50)).stored)  # one transaction of 50, as the crawl commits
            start += 50
        db.close()

    def reader(n):
        db = open_db(db_path)
        i = n
        while not stop.is_set():
            started = time.perf_counter()
            try:
                if i % 2:
                    search(db, "华为 芯片", Filters(limit=20))
                else:
                    with urllib.request.urlopen(f"{base}/chipwatch/search.json?q={urllib.parse.quote('出口管制')}", timeout=30) as r:
                        body = r.read()
                    assert b"database is locked" not in body
            except Exception as exc:  # whatever a reader sees is the finding
                errors.append(f"{type(exc).__name__}: {exc}")
            reads.append(time.perf_counter() - started)
            i += 1
        db.close()

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    time.sleep(SECONDS)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert written[0] >= 100 and len(reads) >= 20
    assert sorted(reads)[int(len(reads) * 0.99)] < 5  # no reader waited on the writer's lock (busy_timeout is 10 s)


WRITES = [
    "insert into articles (url, source, text) values ('x', 'x', 'x')",
    "update articles set title = 'x'",
    "delete from articles",
    "drop table articles",
    "create table x (a)",
    "attach database '/tmp/chipwatch-attack.db' as x",
    "pragma writable_schema = 1",
    "vacuum into '/tmp/chipwatch-attack.db'",
    "select 1; delete from articles",
    "with x as (select 1) delete from articles",
]


@pytest.mark.parametrize("sql", WRITES)
def test_anonymous_users_cannot_write(served, sql):
    db_path, base = served
    db = open_db(db_path)
    before = db.execute("SELECT count(*), count(title) FROM articles").fetchone()
    db.close()
    url = f"{base}/chipwatch.json?{urllib.parse.urlencode({'sql': sql})}"
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            body = r.read().decode()
        assert '"ok": false' in body or '"error"' in body
    except urllib.error.HTTPError as exc:
        assert exc.code in (400, 403, 405)
    for method in ("POST", "PUT", "DELETE"):
        request = urllib.request.Request(f"{base}/chipwatch/articles", data=b"{}", method=method)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=30)
    db = open_db(db_path)
    assert db.execute("SELECT count(*), count(title) FROM articles").fetchone() == before
    assert "x" not in db.table_names()
    db.close()
