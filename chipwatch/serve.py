"""`chipwatch serve`: Datasette over the database, read-only, configured by the files in db/datasette/."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from chipwatch.children import die_with_parent
from db.store import open_db

logger = logging.getLogger(__name__)

DATASETTE_DIR = Path(__file__).resolve().parents[1] / "db" / "datasette"
SQL_TIME_LIMIT_MS = 3000  # a runaway query from the SQL box is cut off after this


def metadata_for(db_path: Path) -> dict:
    """The metadata file with its database key renamed to the one Datasette uses: the file's stem."""
    metadata = yaml.safe_load((DATASETTE_DIR / "metadata.yml").read_text(encoding="utf-8"))
    name = db_path.stem
    metadata["databases"] = {name: metadata["databases"]["chipwatch"]}
    metadata["description_html"] = metadata["description_html"].replace("/chipwatch/", f"/{name}/")
    return metadata


def datasette_command(db_path: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--metadata", str(metadata_path),
        "--plugins-dir", str(DATASETTE_DIR / "plugins"),
        "--host", host, "--port", str(port),
        "--setting", "sql_time_limit_ms", str(SQL_TIME_LIMIT_MS),
        "--setting", "default_page_size", "50",
        "--setting", "allow_download", "off",
    ]  # fmt: skip


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Run Datasette in the foreground until it is stopped; returns its exit code."""
    db_path = Path(db_path)
    open_db(db_path).close()  # creates the file and brings the schema up to date before serving it read-only
    with tempfile.TemporaryDirectory(prefix="chipwatch-serve-") as tmp:
        metadata_path = Path(tmp) / "metadata.json"
        metadata_path.write_text(json.dumps(metadata_for(db_path), ensure_ascii=False), encoding="utf-8")
        return _run_child(datasette_command(db_path, metadata_path, host, port))


def _run_child(command: list[str]) -> int:
    """Run Datasette and make sure it ends with this process.

    A SIGTERM or SIGHUP (a service manager, a test, a closed terminal) is passed on; before, it
    ended `chipwatch serve` and left Datasette running on the port. On Linux the child also gets
    SIGTERM when this process dies of anything else, kill -9 included.
    """
    child = subprocess.Popen(command, preexec_fn=die_with_parent)  # noqa: PLW1509
    forwarded = (signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, lambda signum, _frame: child.send_signal(signum)) for signum in forwarded}
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # Ctrl-C reaches Datasette too (same process group): let it finish
                continue
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=10)
