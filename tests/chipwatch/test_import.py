"""`chipwatch import`: bad lines are reported by number, good lines are never lost."""

import json
import subprocess
import sys

from db.store import open_db

STORY = "美国商务部将十二家中国企业列入实体清单，限制其获得先进芯片制造设备，新规将于三十天后生效。" * 2


def line(**fields):
    return json.dumps(fields, ensure_ascii=False)


def run_import(tmp_path, lines, *extra):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines) + b"\n")
    db_path = tmp_path / "c.db"
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "import", str(path), "--db", str(db_path), *extra],
        capture_output=True,
        text=True,
    )
    return result, db_path


def test_bad_lines_are_reported_and_good_ones_stored(tmp_path):
    lines = [
        line(url="https://a.example/1", title="实体清单", text=STORY, lang="zh", published_at="2026-03-05", source="a"),
        "{not json",
        line(url="ftp://a.example/2", text=STORY),
        line(url="https://a.example/3", text=""),
        line(url="https://a.example/4", text=STORY + "更多", published_at="last Tuesday"),
        b'{"url": "https://a.example/5", "text": "\xff\xfe"}',
        line(url="https://a.example/6", text=["not", "a", "string"]),
        "[1, 2]",
        line(url="https://a.example/7", title="Entity List", text="The Commerce Department added twelve companies to the Entity List, cutting them off from chipmaking tools.", published_at="2026-03-06T09:00:00Z"),
        "",
    ]
    result, db_path = run_import(tmp_path, lines)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert [e.split(": ")[0].rsplit(":", 1)[1] for e in errors] == ["2", "3", "4", "5", "6", "7", "8"]
    assert "not valid JSON" in errors[0]
    assert "'url'" in errors[1] and "'text'" in errors[2] and "published_at" in errors[3]
    assert "UTF-8" in errors[4] and "'text' must be a string" in errors[5] and "not a JSON object" in errors[6]
    assert "imported 2 new articles" in result.stdout
    db = open_db(db_path)
    stored = db.execute("SELECT url, source, lang, published_at FROM articles ORDER BY id").fetchall()
    assert [tuple(r) for r in stored] == [
        ("https://a.example/1", "a", "zh", "2026-03-05"),
        ("https://a.example/7", "import", "en", "2026-03-06T09:00:00+00:00"),
    ]


def test_reimport_is_idempotent_and_copies_are_linked(tmp_path):
    lines = [
        line(url="https://a.example/1", text=STORY, source="a"),
        line(url="https://agg.example/1?utm_source=x", text="聚合网\n" + STORY + "\n阅读更多：新手机发布", source="agg"),
    ]
    first, db_path = run_import(tmp_path, lines)
    assert first.returncode == 0, first.stderr
    assert "imported 2 new articles (1 near-duplicates linked)" in first.stdout
    second, _ = run_import(tmp_path, lines)
    assert second.returncode == 0
    assert "imported 0 new articles" in second.stdout and "2 already stored" in second.stdout
    db = open_db(db_path)
    assert db.execute("SELECT id, duplicate_of FROM articles ORDER BY id").fetchall() == [(1, None), (2, 1)]


def test_missing_file_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "import", str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "c.db")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "nope.jsonl" in result.stderr


def test_hostile_lines_are_one_line_each_and_the_good_lines_of_their_batch_stored(tmp_path):
    """Issue 14 item 5: nesting, huge numbers, lone surrogates, NULs and an over-long line; no traceback."""
    good = [line(url=f"https://a.example/good/{i}", text=f"{STORY} 第{i}篇", lang="zh") for i in range(3)]
    lines = [
        good[0],
        '{"url": "https://a.example/n", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"url": "https://a.example/d", "text": "x", "n": ' + "9" * 5000 + "}",
        '{"url": "https://a.example/s", "text": "\\ud800' + STORY + '"}',
        '{"url": "https://a.example/z", "text": "' + STORY + '\\u0000"}',
        good[1],
        b'{"url": "https://a.example/big", "text": "' + b"a" * (6 * 1024 * 1024) + b'"}',
        good[2],
    ]
    result, db_path = run_import(tmp_path, lines)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = result.stderr.strip().splitlines()
    assert [e.split(": ")[0].rsplit(":", 1)[1] for e in errors] == ["2", "3", "4", "5", "7"], errors
    assert "nested too deeply" in errors[0] and "not valid JSON" in errors[1]
    assert "lone surrogate" in errors[2] and "NUL" in errors[3] and "longer than 5 MiB" in errors[4]
    stored = [u for (u,) in open_db(db_path).execute("SELECT url FROM articles ORDER BY id")]
    assert stored == [f"https://a.example/good/{i}" for i in range(3)]


def test_a_batch_that_fails_to_store_is_retried_line_by_line(tmp_path, monkeypatch):
    """A record the store refuses costs its own line only, not the other lines of its batch."""
    import io

    from chipwatch import importer

    real_save = importer.save_articles

    def refusing(db, records):
        if any("refuse" in r.url for r in records):
            raise ValueError("refused by the store")
        return real_save(db, records)

    monkeypatch.setattr(importer, "save_articles", refusing)
    lines = [line(url=f"https://a.example/{name}", text=f"{STORY}{name}", lang="zh") for name in ("one", "refuse", "two")]
    db = open_db(tmp_path / "c.db")
    report = importer.import_jsonl(db, io.BytesIO("\n".join(lines).encode()))
    assert report.bad == [(2, "cannot be stored: ValueError: refused by the store")]
    assert len(report.saved.stored) == 2
