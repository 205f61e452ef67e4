"""The import contract: arrows point down the flow (the contracts are in pyproject.toml, [tool.importlinter]).

chipwatch (the CLI) wires the stages; alerts, crawler and nlp know nothing of one another and
store through db (nlp stores nothing); db knows no stage; core, the bottom layer, imports
nothing of the project. Any new import against the flow, lazy ones inside functions included,
fails this test with the chain that breaks it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_imports_follow_the_flow():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
