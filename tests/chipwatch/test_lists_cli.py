"""`chipwatch lists`: the real CLI in a subprocess, on a temporary database."""

import subprocess
import sys

from db.sanctions import stored_entries
from nlp.sanctions import SanctionsIndex
from db.store import open_db

HEADER = "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids"
EL = "Entity List (EL) - Bureau of Industry and Security"
SDN = "Specially Designated Nationals (SDN) - Treasury Department"


def row(_id, source, name, alt_names="", fr=""):
    cells = {"_id": _id, "source": source, "type": "Entity", "name": name, "alt_names": alt_names, "federal_register_notice": fr}
    return ",".join(f'"{cells.get(c, "")}"' for c in HEADER.split(","))


def chipwatch(*args):
    return subprocess.run([sys.executable, "-m", "chipwatch.cli", *args], capture_output=True, text=True)


def entries(db_path, origin_not="starter"):
    db = open_db(db_path)
    return sorted(
        tuple(r) for r in db.execute("SELECT list_code, name, origin FROM sanctions_entries WHERE origin != ?", [origin_not])
    )


def test_reimport_replaces_a_list_without_duplicates_and_keeps_other_lists(tmp_path):
    db_path = tmp_path / "c.db"
    first = tmp_path / "csl-2025-01.csv"
    first.write_text("\n".join([HEADER, row(1, EL, "Acme Chips Co., Ltd.", "Acme"), row(2, EL, "Old Listing Ltd."), row(3, SDN, "Example Trading LLC")]) + "\n")
    result = chipwatch("lists", "import", str(first), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "imported 3 entries of 2 lists" in result.stdout

    newer = tmp_path / "el-2025-06.csv"
    newer.write_text("\n".join([HEADER, row(1, EL, "Acme Chips Co., Ltd.", "Acme; 艾克米"), row(4, EL, "New Listing Ltd.")]) + "\n")
    result = chipwatch("lists", "import", str(newer), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert entries(db_path) == [
        ("EL", "Acme Chips Co., Ltd.", "el-2025-06.csv"),
        ("EL", "New Listing Ltd.", "el-2025-06.csv"),
        ("SDN", "Example Trading LLC", "csl-2025-01.csv"),
    ]
    # the starter list's Entity List entries stay beside the imported ones (their Chinese names are not in a CSL file)
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM sanctions_entries WHERE list = ? AND origin = 'starter'", [EL]).fetchone()[0] > 50
    names = db.execute("SELECT count(*) FROM sanctions_names n JOIN sanctions_entries e ON e.id = n.entry_id WHERE e.name = 'Acme Chips Co., Ltd.'")
    assert names.fetchone()[0] == 3  # name, Acme, 艾克米: one row each, none left from the first import
    index = SanctionsIndex(stored_entries(db))
    assert [m.list_code for m in index.match("艾克米")] == ["EL"] and index.match("Old Listing") == []

    shown = chipwatch("lists", "show", "--db", str(db_path))
    assert shown.returncode == 0 and "EL" in shown.stdout and "SDN" in shown.stdout


def test_bad_rows_are_reported_by_line_and_good_rows_stored(tmp_path):
    db_path = tmp_path / "c.db"
    path = tmp_path / "bad.csv"
    path.write_bytes(
        "\n".join([HEADER, row(1, EL, "Good Chips Ltd."), row(2, EL, ""), row(3, "", "No Source Ltd."), '"4","' + EL + '","short"', row(5, SDN, "Other Good LLC")]).encode()
        + b"\n"
    )
    result = chipwatch("lists", "import", str(path), "--db", str(db_path))
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert [e.split(": ")[0] for e in errors] == [f"{path}:3", f"{path}:4", f"{path}:5"]
    assert "'name'" in errors[0] and "'source'" in errors[1] and "columns" in errors[2]
    assert "imported 2 entries of 2 lists" in result.stdout and "3 bad rows of 5" in result.stdout
    assert entries(db_path) == [("EL", "Good Chips Ltd.", "bad.csv"), ("SDN", "Other Good LLC", "bad.csv")]


def test_a_file_that_is_not_csl_is_refused_with_one_line(tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text("url,title\nhttps://a.example/1,x\n")
    result = chipwatch("lists", "import", str(path), "--db", str(tmp_path / "c.db"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: {path}: line 1: not a Consolidated Screening List header (missing column source, name)"]


def test_a_fresh_database_has_the_starter_list(tmp_path):
    result = chipwatch("lists", "show", "--db", str(tmp_path / "fresh.db"))
    assert result.returncode == 0, result.stderr
    assert "EL" in result.stdout and "CMIC" in result.stdout and "starter" in result.stdout
    db = open_db(tmp_path / "fresh.db")
    index = SanctionsIndex(stored_entries(db))
    # Huawei and SMIC are on the Entity List, Treasury's CMIC list and the Defense Department's 1260H list
    assert index.lists_for("华为") == index.lists_for("SMIC") == ["CMIC", "DOD-1260H", "EL"]
    assert index.lists_for("DJI") == ["CMIC", "EL"]
    assert index.lists_for("CXMT") == ["DOD-1260H"]  # on the 1260H list since January 2025, not on the Entity List
    assert index.lists_for("Sense Time") == ["CMIC", "EL"] and index.lists_for("National Supercomputer Center Zhengzhou") == ["EL"]
    assert index.match("Huawei Marine Networks") == [] and index.match("SenseTime Capital") == []
    rows = db.execute("SELECT name, remarks, start_date, federal_register_notice FROM sanctions_entries WHERE origin = 'starter'").fetchall()
    assert len(rows) >= 100
    # every row says whether it was checked; a row checked in full has its date
    assert all(r[1].startswith(("verified: ", "unverified: ")) for r in rows)
    assert all(r[2] for r in rows if r[1].startswith("verified: ") and "unverified" not in r[1])


def test_import_keeps_starter_rows_and_starter_refreshes_without_dropping_imports(tmp_path) -> None:
    """An import of a partial Entity List keeps the built-in Chinese names; a changed starter file reloads only starter rows."""
    import io

    from chipwatch.lists import import_list
    from db.sanctions import ensure_starter_list, stored_entries
    from db.store import open_db

    db = open_db(tmp_path / "t.db")
    starter = [e for e in stored_entries(db)]
    assert len(starter) >= 100
    csv_text = "source,name,alt_names\nEntity List (EL) - Bureau of Industry and Security,Example Imported Party Co. Ltd.,\n"
    import_list(db, io.StringIO(csv_text), origin="consolidated.csv")
    names = {e["name"] for e in stored_entries(db)}
    assert "Example Imported Party Co. Ltd." in names and {e["name"] for e in starter} <= names
    import_list(db, io.StringIO(csv_text.replace("Example Imported", "Newer Imported")), origin="consolidated.csv")
    names = {e["name"] for e in stored_entries(db)}
    assert "Example Imported Party Co. Ltd." not in names and "Newer Imported Party Co. Ltd." in names
    assert {e["name"] for e in starter} <= names
    # a newer starter file: its rows replace the old starter rows, imported rows stay
    newer = tmp_path / "starter.csv"
    newer.write_text("source,name,alt_names\nEntity List (EL) - Bureau of Industry and Security,Brand New Starter Party,新星公司\n", encoding="utf-8")
    assert ensure_starter_list(db, newer) == 1
    assert ensure_starter_list(db, newer) == 0  # same fingerprint: nothing to do
    names = {e["name"] for e in stored_entries(db)}
    assert names == {"Newer Imported Party Co. Ltd.", "Brand New Starter Party"}
    db.close()


def test_hostile_csv_is_one_line_per_problem(tmp_path):
    """Huge fields, NUL bytes and another encoding: each bad row is one FILE:LINE line, the good rows stored."""
    el = "Entity List (EL) - Bureau of Industry and Security"
    hostile = tmp_path / "hostile.csv"
    hostile.write_bytes(
        b"source,name,alt_names\n"
        + f"{el},Good One Co.,\n".encode()
        + f"{el},{'A' * 200_000},\n".encode()
        + f"{el},Nul\x00Name Ltd,\n".encode()
        + f"{el},Caf\xe9 Latin GmbH,\n".encode("latin-1")
        + f"{el},Good Two Co.,\n".encode()
    )
    result = chipwatch("lists", "import", str(hostile), "--db", str(tmp_path / "h.db"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1] for line in lines] == ["3", "4", "5"], lines
    assert all(len(line) < 300 for line in lines) and "Traceback" not in result.stderr
    assert "imported 2 entries" in result.stdout
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("source,name\nEntity List (EL),华为\n".encode("utf-16"))
    result = chipwatch("lists", "import", str(utf16), "--db", str(tmp_path / "h.db"))
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
