"""Search latency: `chipwatch search` (db/search.py) beside a plain LIKE scan, on synthetic articles.

Run by hand:  .venv/bin/python bench/search.py [--articles 100000] [--runs 50] [--db PATH [--build-only]] [--keep] [--compare-designs]

Builds a database of N synthetic articles (45 % zh, 20 % zh-Hant, 35 % en; 1-3k characters;
sentences drawn with a seeded RNG from banks of export-control news sentences and everyday
filler, company names Zipf-distributed so that 芯片 is common and 长鑫 is rare; publication dates
spread over three years in random order; 3 % marked as near-duplicates). Articles go in through
a bulk path: a plain INSERT into `articles` plus `db.search.index_articles`, the same index
function `save_articles` calls; the real store path is also timed on a small sample, since it
adds MinHash near-duplicate detection that would make 100 000 articles take too long.

Then each query runs --runs times, newest first and with --rank, through `db.search.search`
(parse, FTS5, filters, snippets: what `chipwatch search` does minus process start-up), and the
same filters, order and LIMIT 20 as a `LIKE '%…%'` scan over title and text. Prints p50/p95 in
ms, how many articles match, the database size and the build rate.

--compare-designs also builds the designs that were measured and not taken (rowid = article id
with a sort by date; a Han bigram column) and times them beside the chosen one; db/search.py's
docstring records the figures that decided.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from opencc import OpenCC

from db import search
from db.store import ArticleRecord, open_db, save_articles

SEED = 20260301
BATCH = 2000
LIMIT = 20
LIKE_BUDGET_S = 8.0  # a LIKE query that scans everything is not repeated 50 times

ZH_ORGS = ["美国商务部", "工业和安全局", "美国财政部", "荷兰政府", "日本经济产业省", "中国商务部", "海关总署", "欧盟委员会", "韩国产业通商资源部", "美国国会"]
ZH_COMPANIES = ["华为", "中芯国际", "英伟达", "长江存储", "台积电", "阿斯麦", "寒武纪", "海光信息", "壁仞科技", "摩尔线程", "浪潮", "商汤科技", "中科曙光", "北方华创", "中微公司", "上海微电子", "沐曦", "燧原科技", "芯原股份"]
ZH_PRODUCTS = ["A100", "H100", "H20", "昇腾910B", "HBM", "EUV光刻机", "DUV光刻机", "RTX 4090", "B200", "MI308"]
ZH_TEMPLATES = [
    "{org}周{d}宣布，将{company}等{n}家中国企业列入实体清单，限制其获得先进芯片制造设备。",
    "据知情人士透露，{company}正在加紧囤积{product}芯片，以应对可能出台的新一轮出口管制。",
    "{org}表示，新规将于{n}天后生效，涉及{product}及相关技术的出口须事先取得许可证。",
    "分析人士认为，这一举措将进一步收紧对中国半导体产业的出口管制，{company}首当其冲。",
    "{company}在声明中称，公司一贯遵守所在国家和地区的法律法规，将评估新规的影响。",
    "受制裁消息影响，{company}股价周{d}下跌{n}%，半导体板块整体承压。",
    "有报道称，部分{product}通过第三国中间商流入中国，{org}已展开调查。",
    "{org}发言人回应称，中方坚决反对美方泛化国家安全概念、滥用出口管制措施。",
    "业内人士指出，{product}的替代方案仍需数年时间，国产化进程面临诸多挑战。",
    "{company}今年以来订单增长明显，其中来自云计算厂商的需求尤为旺盛。",
    "新加坡警方起诉三名男子，指控其涉嫌通过虚假申报将装有{product}的服务器转运出境。",
    "{org}同时更新了高带宽存储器的管制参数，并新增对芯片设计软件的限制。",
    "一些云服务商向境外客户出租搭载{product}的算力，引发监管部门关注。",
    "{company}发布新一代人工智能芯片，性能较上一代提升{n}%，主要面向数据中心市场。",
    "镓、锗等关键矿产的出口许可制度实施以来，相关产品出口量大幅下降。",
]
ZH_FILLER = [
    "今日全国大部地区天气晴好，气温较常年同期偏高{n}度左右。",
    "这部影片讲述了一个家庭在城市变迁中的故事，上映首周票房突破{n}亿元。",
    "专家提醒，看待问题不能片面，要抓住核心矛盾，统筹兼顾各方利益。",
    "展会现场的图片显示，参观者排起了长队，不少人专程从外地赶来。",
    "该市今年新建公园{n}座，绿化覆盖率达到百分之四十以上。",
    "消费市场持续回暖，节假日期间餐饮和旅游收入同比增长{n}%。",
    "灯芯草是一种常见的湿地植物，其茎髓可入药，也可用作灯芯。",
    "经济学家认为，稳增长仍是当前宏观政策的核心任务，需要财政和货币政策协同发力。",
    "学校新学期开设了编程和人工智能课程，受到学生和家长欢迎。",
    "体育部门公布了全民健身计划，到{y}年经常参加体育锻炼的人数比例将明显提高。",
    "这片海域的渔业资源十分丰富，每年吸引大批渔船前来作业。",
    "他在采访中说，创新是企业发展的核心动力，人才是第一资源。",
]
EN_ORGS = ["the Commerce Department", "the Bureau of Industry and Security", "the Treasury", "the Dutch government", "Japan's trade ministry", "China's commerce ministry", "the European Commission", "Congress"]
EN_COMPANIES = ["Huawei", "SMIC", "Nvidia", "YMTC", "TSMC", "ASML", "Cambricon", "Hygon", "Biren", "Moore Threads", "Inspur", "SenseTime", "Sugon", "Naura", "AMEC"]
EN_PRODUCTS = ["A100", "H100", "H20", "Ascend 910B", "HBM", "EUV scanners", "DUV tools", "RTX 4090", "B200", "MI308"]
EN_TEMPLATES = [
    "{org} added {company} and {n} other Chinese companies to the Entity List on Tuesday, cutting them off from advanced chipmaking tools.",
    "People familiar with the matter said {company} has been stockpiling {product} chips ahead of expected new export controls.",
    "The rule takes effect in {n} days, and exports of {product} and related technology will require a licence.",
    "Analysts said the move would tighten export controls on China's semiconductor industry, with {company} hit hardest.",
    "{company} said in a statement that it complies with all applicable laws and is assessing the impact of the sanctions.",
    "Shares of {company} fell {n}% after the sanctions were announced, dragging down the wider chip sector.",
    "Some {product} processors reached China through intermediaries in third countries, and {org} has opened an investigation.",
    "A spokesperson for {org} said the measures abuse the concept of national security.",
    "Industry executives said domestic alternatives to {product} were still years away.",
    "Singapore prosecutors charged three men with fraud over servers containing {product} that were shipped out of the country.",
    "{org} also updated the thresholds for high-bandwidth memory and added controls on chip design software.",
    "Cloud providers renting {product} capacity to overseas customers have drawn the attention of regulators.",
]
EN_FILLER = [
    "The weather was mild across most of the country, with temperatures about {n} degrees above normal.",
    "The film tells the story of a family in a changing city and took in {n} million in its first week.",
    "Consumer spending recovered during the holiday, with restaurant and travel revenue up {n}% on the year.",
    "The city opened {n} new parks this year, and officials said more were planned for {y}.",
    "Economists said supporting growth remained the core task of policy, requiring fiscal and monetary coordination.",
    "The school added programming courses this term, which proved popular with students and parents.",
]

# in about 1 article in 1 000: the rare queries
RARE = {
    "zh": "另据报道，长鑫存储已就被列入清单一事向美方提出申诉。",
    "en": "Separately, CXMT said it had appealed against its listing.",
}
QUERIES = [
    ("zh common", "芯片"),
    ("zh rare", "长鑫"),
    ("zh 1 char", "镓"),
    ("zh-Hant query", "華為"),
    ("zh phrase", '"出口管制"'),
    ("en common", "sanctions"),
    ("en rare", "CXMT"),
    ("en phrase", '"export controls"'),
    ("mixed", "英伟达 A100"),
    ("OR", "华为 OR 中芯"),
]
LANG_QUERY = ("zh common, --lang en", "芯片", "en")


def _zipf_choice(rng: random.Random, items: list[str], skew: float = 1.3) -> str:
    weights = [1 / (i + 1) ** skew for i in range(len(items))]
    return rng.choices(items, weights)[0]


class Corpus:
    """Seeded synthetic articles; the Traditional banks are converted once, not per article."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        to_hant = OpenCC("s2t")
        convert = lambda items: [to_hant.convert(x) for x in items]
        self.banks = {
            "zh": (ZH_ORGS, ZH_COMPANIES, ZH_PRODUCTS, ZH_TEMPLATES, ZH_FILLER),
            "zh-Hant": tuple(convert(b) for b in (ZH_ORGS, ZH_COMPANIES, ZH_PRODUCTS, ZH_TEMPLATES, ZH_FILLER)),
            "en": (EN_ORGS, EN_COMPANIES, EN_PRODUCTS, EN_TEMPLATES, EN_FILLER),
        }
        self.hant = to_hant.convert
        self.start = dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)

    def sentence(self, lang: str, on_topic: bool) -> str:
        orgs, companies, products, templates, filler = self.banks[lang]
        rng = self.rng
        template = rng.choice(templates if on_topic else filler)
        return template.format(
            org=rng.choice(orgs), company=_zipf_choice(rng, companies), product=_zipf_choice(rng, products),
            n=rng.randint(2, 90), d="一二三四五"[rng.randrange(5)] if lang != "en" else "", y=rng.randint(2026, 2035),
        )

    def article(self, number: int) -> dict:
        rng = self.rng
        lang = rng.choices(["zh", "zh-Hant", "en"], [45, 20, 35])[0]
        target = rng.randint(1000, 3000)
        topical = rng.random()  # share of on-topic sentences: some articles are all filler
        sentences, size = [], 0
        while size < target:
            sentence = self.sentence(lang, rng.random() < topical)
            sentences.append(sentence)
            size += len(sentence) + 1
        if rng.random() < 0.001:
            rare = RARE["en"] if lang == "en" else RARE["zh"]
            sentences.insert(rng.randrange(len(sentences)), rare if lang != "zh-Hant" else self.hant(rare))
        joiner = " " if lang == "en" else ""
        paragraphs = [joiner.join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
        when = self.start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        published = rng.choice([when.isoformat(), when.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(), when.date().isoformat()])
        text = "\n".join(paragraphs)
        return {
            "id": number,
            "url": f"https://news{number % 37}.example/{lang}/{number}.html",
            "source": f"news{number % 37}",
            "lang": lang,
            "title": self.sentence(lang, topical > 0.3)[:60],
            "text": text,
            "published_at": published,
            "fetched_at": when.isoformat(),
            "content_hash": hashlib.sha256(text.encode()).hexdigest(),
            "duplicate_of": rng.randrange(1, number) if number > 10 and rng.random() < 0.03 else None,
        }

    def articles(self, count: int, first_id: int = 1) -> Iterator[dict]:
        for number in range(first_id, first_id + count):
            yield self.article(number)


def build(path: Path, count: int) -> float:
    """Bulk-load `count` articles; returns seconds taken."""
    db = open_db(path)
    corpus = Corpus()
    columns = ["id", "url", "source", "lang", "title", "text", "published_at", "fetched_at", "content_hash", "duplicate_of"]
    sql = f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    batch: list[dict] = []
    for article in corpus.articles(count):
        batch.append(article)
        if len(batch) == BATCH or article["id"] == count:
            with db.atomic():
                db.conn.executemany(sql, [[a[c] for c in columns] for a in batch])
                search.index_articles(db, batch)
            batch = []
            if sys.stderr.isatty():
                print(f"\r  built {article['id']}/{count}", end="", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    if sys.stderr.isatty():
        print(file=sys.stderr)
    db.execute("ANALYZE")
    db.close()
    return seconds


def store_path_rate(count: int) -> tuple[float, float]:
    """Articles/s through save_articles (dedup + index) and through the bulk path, on `count` articles."""
    corpus = Corpus(seed=SEED + 1)
    articles = list(corpus.articles(count))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "store.db")
        started = time.perf_counter()
        for i in range(0, count, 500):
            save_articles(db, [ArticleRecord(url=a["url"], source=a["source"], text=a["text"], title=a["title"], lang=a["lang"], published_at=a["published_at"]) for a in articles[i : i + 500]])
        store_rate = count / (time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(3):
            for a in articles:
                search.search_form(a["title"]), search.search_form(a["text"])
        form_rate = 3 * count / (time.perf_counter() - started)
        db.close()
    return store_rate, form_rate


def opencc_form_rate(count: int) -> float:
    """Articles/s for the search form if Traditional were converted with OpenCC's phrase converter instead of the table."""
    converter = OpenCC("t2s")
    articles = list(Corpus(seed=SEED + 2).articles(count))
    started = time.perf_counter()
    for a in articles:
        for text in (a["title"], a["text"]):
            search.search_form(converter.convert(text))
    return count / (time.perf_counter() - started)


def _bigrams(form: str) -> str:
    """Adjacent Han tokens of a search form as bigram tokens (芯 片 → 芯片); anything else breaks the chain."""
    tokens = form.split()
    han = lambda t: len(t) == 1 and "\u3400" <= t <= "\u9fff"
    return " ".join(a + b if han(a) and han(b) else "|" for a, b in itertools.pairwise(tokens))


def compare_designs(db, runs: int) -> None:
    """The alternatives that were measured and not taken: rowid = article id (sort by date), and a bigram column."""
    print("alternative designs (same articles, SQL only, no snippets):", flush=True)
    for name, columns in (("alt_by_id", "title, body, lang"), ("alt_bigram", "title, body, lang, bi")):
        db.execute(f"DROP TABLE IF EXISTS {name}")
        db.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({columns}, content='', tokenize='unicode61 remove_diacritics 2')")
    started, bigram_seconds, last = time.perf_counter(), 0.0, 0
    while rows := db.execute("SELECT id, title, text, lang, published_at FROM articles WHERE id > ? ORDER BY id LIMIT ?", [last, BATCH]).fetchall():
        last = rows[-1][0]
        forms = [(r[0], search.sort_key(r[0], r[4]), search.search_form(r[1]), search.search_form(r[2]), search.lang_token(r[3])) for r in rows]
        with db.atomic():
            db.conn.executemany("INSERT INTO alt_by_id (rowid, title, body, lang) VALUES (?, ?, ?, ?)", [(f[0], f[2], f[3], f[4]) for f in forms])
            t = time.perf_counter()
            db.conn.executemany(
                "INSERT INTO alt_bigram (rowid, title, body, lang, bi) VALUES (?, ?, ?, ?, ?)",
                [(f[1], f[2], f[3], f[4], _bigrams(f[2] + f" {search.SEP} " + f[3])) for f in forms],
            )
            bigram_seconds += time.perf_counter() - t
    print(f"  built in {time.perf_counter() - started:.0f}s (bigram table inserts {bigram_seconds:.0f}s)")
    for name in (search.TABLE, "alt_by_id", "alt_bigram"):
        size = index_bytes(db, name)
        print(f"  {name}: {size / 2**20:.0f} MB" if size else f"  {name}: size unknown (no dbstat)")
    m = search.ID_MASK
    time_key = f"SELECT a.id FROM {search.TABLE} JOIN articles a ON a.id = {m} - ({search.TABLE}.rowid & {m}) WHERE {search.TABLE} MATCH ? AND a.duplicate_of IS NULL ORDER BY {search.TABLE}.rowid LIMIT {LIMIT}"
    by_id = f"SELECT a.id FROM alt_by_id JOIN articles a ON a.id = alt_by_id.rowid WHERE alt_by_id MATCH ? AND a.duplicate_of IS NULL ORDER BY a.published_at DESC LIMIT {LIMIT}"
    lang_in_articles = time_key.replace("ORDER BY", "AND a.lang = 'en' ORDER BY")
    cases = [
        ("newest 芯片: time key (chosen)", time_key, '"芯 片"'),
        ("newest 芯片: rowid = id, sort by date", by_id, '"芯 片"'),
        ("newest sanctions: time key (chosen)", time_key, '"sanctions"'),
        ("newest sanctions: rowid = id, sort", by_id, '"sanctions"'),
        ("--lang en 芯片: lang in the index (chosen)", time_key, 'lang : "en" AND "芯 片"'),
        ("--lang en 芯片: lang from articles", lang_in_articles, '"芯 片"'),
        ("rank 芯片: unigram phrase (chosen)", f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH ? ORDER BY bm25({search.TABLE}, 3, 1, 0) LIMIT {LIMIT}", '"芯 片"'),
        ("rank 芯片: bigram token", f"SELECT rowid FROM alt_bigram WHERE alt_bigram MATCH ? ORDER BY bm25(alt_bigram, 0, 0, 0, 1) LIMIT {LIMIT}", 'bi : "芯片"'),
        ("count 出口管制: unigram phrase (chosen)", f"SELECT count(*) FROM {search.TABLE} WHERE {search.TABLE} MATCH ?", '"出 口 管 制"'),
        ("count 出口管制: bigram phrase", "SELECT count(*) FROM alt_bigram WHERE alt_bigram MATCH ?", 'bi : "出口 口管 管制"'),
        ("newest 芯片: bigram token", f"SELECT rowid FROM alt_bigram WHERE alt_bigram MATCH ? ORDER BY rowid LIMIT {LIMIT}", 'bi : "芯片"'),
    ]
    for label, sql, match in cases:
        times = timed(lambda sql=sql, match=match: db.execute(sql, [match]).fetchall(), runs, LIKE_BUDGET_S)
        print(f"  {label:44} p50 {pct(times, .5):7.1f}  p95 {pct(times, .95):7.1f} ms", flush=True)


def index_bytes(db, table: str) -> int | None:
    """Bytes in the FTS5 table's shadow tables, when SQLite was built with dbstat."""
    try:
        return db.execute(f"SELECT sum(pgsize) FROM dbstat WHERE name LIKE '{table}%'").fetchone()[0]
    except sqlite3.OperationalError:
        return None


def like_sql(query: str, lang: str | None) -> tuple[str, list[str]]:
    """The baseline: LIKE over title and text with the same filters, order and limit."""
    words = [w.strip('"') for w in query.split() if w != "OR"]
    joiner = " OR " if " OR " in query else " AND "
    where = "(" + joiner.join("(title LIKE ? OR text LIKE ?)" for _ in words) + ") AND duplicate_of IS NULL"
    params = [p for w in words for p in (f"%{w}%", f"%{w}%")]
    if lang:
        where += " AND lang = ?"
        params.append(lang)
    return f"SELECT id, title, url, published_at, lang, source, text FROM articles WHERE {where} ORDER BY published_at DESC LIMIT {LIMIT}", params


def timed(work: Callable[[], object], runs: int, budget: float | None = None) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
        if budget is not None and sum(times) > budget * 1000:
            break
    return times


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", type=Path, help="Use (or build) this database file instead of a temporary one.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary database.")
    parser.add_argument("--store-sample", type=int, default=1000, help="Articles timed through save_articles.")
    parser.add_argument("--compare-designs", action="store_true", help="Also build and time the designs not taken (adds ~5 minutes).")
    parser.add_argument("--build-only", action="store_true", help="Build the database given by --db and stop (time the queries later, on a quiet machine).")
    args = parser.parse_args()
    if args.build_only and args.db is None:
        parser.error("--build-only needs --db")

    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.mkdtemp(prefix="chipwatch-bench-")
        path = Path(tmp) / "search.db"
    if not path.exists():
        print(f"building {args.articles} articles in {path} …", flush=True)
        seconds = build(path, args.articles)
        print(f"built in {seconds:.0f}s: {args.articles / seconds:.0f} articles/s (bulk INSERT + search.index_articles)")
    if args.build_only:
        return
    if args.store_sample:
        store_rate, form_rate = store_path_rate(args.store_sample)
        print(f"save_articles (near-duplicate check + index): {store_rate:.0f} articles/s; search_form alone: {form_rate:.0f} articles/s, "
              f"with OpenCC's t2s converter instead of the character table: {opencc_form_rate(300):.0f} articles/s")
    db = open_db(path)
    count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    chars = db.execute("SELECT avg(length(text)) FROM articles").fetchone()[0]
    size = path.stat().st_size + (path.with_name(path.name + "-wal").stat().st_size if path.with_name(path.name + "-wal").exists() else 0)
    fts_bytes = index_bytes(db, search.TABLE)
    print(f"{count} articles, {chars:.0f} characters on average; database {size / 2**20:.0f} MB"
          + (f", of which the search index {fts_bytes / 2**20:.0f} MB" if fts_bytes else ""))
    print(f"{'query':24} {'matches':>8} | {'newest p50':>10} {'p95':>7} | {'rank p50':>9} {'p95':>7} | {'LIKE p50':>9} {'p95':>7} {'runs':>5}")
    for label, query, lang in [(label, query, None) for label, query in QUERIES] + [LANG_QUERY]:
        matches = db.execute(f"SELECT count(*) FROM {search.TABLE} WHERE {search.TABLE} MATCH ?", [search.fts_query(query)]).fetchone()[0]
        newest = timed(lambda q=query, lang=lang: search.search(db, q, search.Filters(lang=lang, limit=LIMIT)), args.runs)
        ranked = timed(lambda q=query, lang=lang: search.search(db, q, search.Filters(lang=lang, limit=LIMIT, rank=True)), args.runs)
        sql, params = like_sql(query, lang)
        like = timed(lambda sql=sql, params=params: db.execute(sql, params).fetchall(), args.runs, LIKE_BUDGET_S)
        print(
            f"{label + ' ' + query:24} {matches:>8} | {pct(newest, .5):>10.1f} {pct(newest, .95):>7.1f} | "
            f"{pct(ranked, .5):>9.1f} {pct(ranked, .95):>7.1f} | {pct(like, .5):>9.1f} {pct(like, .95):>7.1f} {len(like):>5}",
            flush=True,
        )
    if args.compare_designs:
        compare_designs(db, args.runs)
    db.close()
    if tmp and not args.keep:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    elif tmp:
        print(f"kept {path}")


if __name__ == "__main__":
    main()
