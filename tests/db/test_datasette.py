"""`chipwatch serve`: a real Datasette process on 127.0.0.1, checked over HTTP and in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from chipwatch.process import process_articles
from db.store import ArticleRecord, open_db, save_articles

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]  # fmt: skip

ARTICLES = [
    ("https://a.example/zh/1", "zh", "2026-03-01", "华为昇腾芯片订单增加", "多家企业追加采购华为昇腾910C芯片，订单总量上升。"),
    ("https://b.example/tw/2", "zh-Hant", "2026-03-02", "經濟部將華為列入實體名單", "經濟部公告將華為及中芯國際列入出口管制實體名單。"),
    ("https://c.example/en/3", "en", "2026-03-03", "Commerce adds Huawei affiliates to Entity List", "The Commerce Department added Huawei affiliates to the Entity List."),
    ("https://d.example/zh/4", "zh", "2026-03-04", "中芯国际发布财报", "中芯国际公布季度业绩，另有影片介绍新工厂。"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("serve") / "chipwatch.db"
    db = open_db(db_path)
    save_articles(db, [ArticleRecord(url=u, lang=l, published_at=d, title=t, text=x, source=u.split("/")[2]) for u, l, d, t, x in ARTICLES])
    db.close()
    process_articles(db_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "chipwatch.cli", "serve", "--db", str(db_path), "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    base = None
    deadline = time.monotonic() + 60
    while base is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        if match := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
            base = match.group(1)
    if base is None:
        process.kill()
        pytest.fail("Datasette did not start")
    yield {"base": base, "db": "chipwatch", "db_path": db_path}
    process.terminate()
    process.wait(timeout=10)


def get_json(server, path, **params):
    url = f"{server['base']}/{path}?{urllib.parse.urlencode({**params, '_shape': 'objects'})}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def search_ids(server, q, lang=""):
    data = get_json(server, f"{server['db']}/search.json", q=q, lang=lang)
    return [row["id"] for row in data["rows"]]


def test_search_is_correct_for_chinese(server):
    assert search_ids(server, "华为") == [2, 1]  # Simplified query finds the Traditional article too, newest first
    assert search_ids(server, "華為") == [2, 1]
    assert search_ids(server, "芯片") == [1]  # not the article with 中芯 … 影片
    assert search_ids(server, "Huawei") == [3]
    assert search_ids(server, "华为", lang="zh-Hant") == [2]
    assert search_ids(server, "华为", lang="zh-hant") == search_ids(server, "华为", lang="ZH-HANT") == [2]  # as the CLI accepts it
    assert search_ids(server, '"AND ( * ^') == []  # hostile input is text, never an error page


def test_snippet_marks_the_words_in_the_original_script(server):
    rows = get_json(server, f"{server['db']}/search.json", q="华为", lang="")["rows"]
    assert "«華為»" in rows[0]["snippet"]


@pytest.mark.parametrize(
    "query",
    ["latest_articles", "articles_per_day", "republished_copies", "crawl_health", "failures_by_source",
     "entities_by_articles", "listed_parties_this_week", "latest_circumvention_events", "events_involving_listed_parties",
     "export_restrictions_timeline", "relevant_articles"],
)
def test_stored_queries_run(server, query):
    data = get_json(server, f"{server['db']}/{query}.json")
    assert data["ok"] is True


def test_entity_pages_and_listed_mentions(server):
    rows = get_json(server, f"{server['db']}/articles_about_entity.json", entity="Huawei")["rows"]
    assert sorted(r["id"] for r in rows) == [1, 2, 3]  # 华为, 華為 and Huawei
    listed = get_json(server, f"{server['db']}/mentions.json", listed=1)["rows"]
    assert {r["entity_id"] for r in listed} >= {"org:huawei"}
    huawei = get_json(server, f"{server['db']}/entities/org:huawei.json")["rows"]
    assert huawei[0]["zh"] == "华为"


def test_the_database_is_read_only(server):
    with pytest.raises(urllib.error.HTTPError):
        get_json(server, f"{server['db']}.json", sql="delete from articles")
    assert get_json(server, f"{server['db']}.json", sql="select count(*) as n from articles")["rows"] == [{"n": 4}]


def test_a_runaway_query_is_cut_off(server):
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    with pytest.raises(urllib.error.HTTPError) as error:
        get_json(server, f"{server['db']}.json", sql=sql)
    assert "took too long" in error.value.read().decode()


def test_internal_tables_are_hidden_and_facets_configured(server):
    tables = {t["name"]: t for t in get_json(server, f"{server['db']}.json")["tables"]}
    assert tables["article_bands"]["hidden"] is True and tables["articles"]["hidden"] is False
    facets = get_json(server, f"{server['db']}/articles.json")["facet_results"]
    assert {"source", "lang", "published_at"} <= set(facets)


def browser(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=90,
    )


def test_search_page_in_a_real_browser(server, tmp_path):
    url = f"{server['base']}/{server['db']}/search?" + urllib.parse.urlencode({"q": "华为", "lang": ""})
    dom = browser(["--dump-dom", url], tmp_path).stdout
    assert "經濟部將華為列入實體名單" in dom and "华为昇腾芯片订单增加" in dom
    assert "中芯国际发布财报" not in dom
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "datasette-search.png"
    screenshot.unlink(missing_ok=True)
    browser([f"--screenshot={screenshot}", "--window-size=1280,900", url], tmp_path)
    assert screenshot.exists() and screenshot.stat().st_size > 10_000


def test_table_page_with_facets_in_a_real_browser(server, tmp_path):
    dom = browser(["--dump-dom", f"{server['base']}/{server['db']}/articles"], tmp_path).stdout
    assert "One row per news story" in dom  # the table description from metadata.yml
    assert "facet-info" in dom and "zh-Hant" in dom


def test_events_table_with_its_facets_and_stored_queries(server):
    events = get_json(server, f"{server['db']}/events.json")
    assert {"type", "actors", "products", "lang", "month"} <= set(events["facet_results"])
    listings = [r for r in events["rows"] if r["type"] == "entity_listing"]
    assert {r["article_id"] for r in listings} >= {2, 3}  # 經濟部將華為列入實體名單 and the Entity List sentence
    involving = get_json(server, f"{server['db']}/events_involving_listed_parties.json")["rows"]
    assert any("Huawei" in r["listed_parties"] for r in involving)
    relevant = get_json(server, f"{server['db']}/relevant_articles.json")["rows"]
    assert 4 not in {r["id"] for r in relevant}  # an earnings story


def test_events_per_week_picture_in_a_real_browser(server, tmp_path):
    url = f"{server['base']}/-/events-per-week?weeks=8"
    dom = browser(["--dump-dom", url], tmp_path).stdout
    assert "<svg" in dom and "Events per week by type" in dom
    assert re.search(r"week of 2026-03-02: \d+ entity_listing", dom)  # a bar of the week the listings were published
    assert "entity_listing" in dom and "export_restriction" in dom  # the legend names every type
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "datasette-events-per-week.png"
    screenshot.unlink(missing_ok=True)
    browser([f"--screenshot={screenshot}", "--window-size=1280,900", url], tmp_path)
    assert screenshot.exists() and screenshot.stat().st_size > 10_000
    home = browser(["--dump-dom", f"{server['base']}/"], tmp_path).stdout
    assert "/-/events-per-week" in home  # linked from the instance's front page


def test_watches_and_recipients_are_not_served(server):
    """Analysts' addresses live in chipwatch.alerts.db, beside the served file, and stay out of reach."""
    from alerts.store import alerts_db_path, open_alerts_db
    from alerts.watches import add_watch, check_watch

    db_path = server["db_path"]
    adb = open_alerts_db(db_path)
    add_watch(adb, open_db(db_path), check_watch("secret", "华为", to="analyst@example.com"))
    adb.close()
    with urllib.request.urlopen(f"{server['base']}/-/databases.json", timeout=30) as response:
        assert [d["name"] for d in json.loads(response.read())] == [server["db"]]
    for sql in (
        "select * from watches",
        "select * from recipients",
        f"attach database '{alerts_db_path(db_path)}' as alerts",
        "select * from pragma_table_list('watches')",
    ):
        try:
            rows = get_json(server, f"{server['db']}.json", sql=sql)["rows"]
        except urllib.error.HTTPError:
            continue
        assert rows == [], sql
    databases = get_json(server, f"{server['db']}.json", sql="select name, file from pragma_database_list")["rows"]
    assert [d["name"] for d in databases] == ["main"]
    for path in (f"{alerts_db_path(db_path).stem}/watches.json", f"{alerts_db_path(db_path).stem}/recipients", f"{server['db']}/watches"):
        with pytest.raises(urllib.error.HTTPError) as error:  # no such database or table
            urllib.request.urlopen(f"{server['base']}/{path}", timeout=30)
        assert b"analyst@example.com" not in error.value.read()



def status_of(server, path):
    try:
        with urllib.request.urlopen(server["base"] + path, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_huge_value_through_a_sql_function_stays_within_the_time_limit(server):
    """Issue 14 item 4: printf can build a 200 MB value for chipwatch_snippet; values are capped (32 MiB)
    and the snippet reads 200k characters, so the query ends well within the 3 s limit."""
    sql = "select length(chipwatch_snippet(printf('%.*c', 200000000, 'a'), 'a')) as n"
    started = time.monotonic()
    status = status_of(server, f"/{server['db']}.json?" + urllib.parse.urlencode({"sql": sql}))
    assert time.monotonic() - started < 6
    assert status in (200, 400)
    big = "select length(chipwatch_snippet(replace(zeroblob(30000000), x'00', 'ab'), 'a')) as n"
    assert status_of(server, f"/{server['db']}.json?" + urllib.parse.urlencode({"sql": big})) in (200, 400)


@pytest.mark.parametrize(("path", "expected"), [("/nosuchdb", 404), ("/nosuchdb.json", 404), ("/chipwatch/nosuchtable", 404), ("/chipwatch/articles.json?_sort=nosuch", 400), ("/chipwatch.json?sql=select+nonsense", 400)])
def test_error_pages_are_short_and_never_500(server, path, expected):
    assert status_of(server, path) == expected
