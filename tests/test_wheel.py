"""The wheel holds the product only: no test fixture, no benchmark generator; the demo's site is in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_test_fixture_ships_in_the_wheel(tmp_path):
    # from a clean copy: setuptools would add whatever a stale build/ folder still holds
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", "*.db*", ".pytest_cache")
    shutil.copytree(ROOT, source, ignore=ignore)
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = tmp_path.glob("chipwatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert packages == {"chipwatch", "core", "crawler", "nlp", "db", "alerts"}
    fixtures = [n for n in names if any(word in n for word in ("hostile", "faults", "testsite", "sitegen", "tests/", "bench/"))]
    assert fixtures == []
    assert "chipwatch/siteserver.py" in names and "chipwatch/demo_site/site.toml" in names  # what `chipwatch demo` serves
