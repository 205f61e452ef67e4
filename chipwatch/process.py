"""`chipwatch process`: run the NLP stages over stored articles the current pipeline has not analysed yet."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from db.entities import articles_to_analyze, count_to_analyze, save_analyses, save_entities
from db.sanctions import load_index
from db.store import open_db
from nlp.analyze import Analyzer
from nlp.pipeline import PIPELINE_VERSION

logger = logging.getLogger(__name__)

BATCH = 200  # articles per database transaction; $CHIPWATCH_PROCESS_BATCH overrides (the fault tests commit often)


@dataclass
class ProcessReport:
    analyzed: int
    mentions: int
    listed_mentions: int
    events: int = 0
    relevant: int = 0


def kb_rows(analyzer: Analyzer) -> list[dict]:
    return [
        {"id": e.id, "name": e.name, "kind": e.kind, "type": e.type, "country": e.country, "zh": e.zh, "zh_hant": e.zh_hant}
        for e in analyzer.kb.all()
    ]


def process_articles(db_path: str | Path | None = None, progress: bool = False) -> ProcessReport:
    """Analyse every article not yet analysed by PIPELINE_VERSION; batches commit as they go, so a kill loses one batch at most."""
    db = open_db(db_path)
    analyzer = Analyzer(sanctions=load_index(db, aliases=None))
    save_entities(db, kb_rows(analyzer))
    total = count_to_analyze(db, PIPELINE_VERSION)
    report = ProcessReport(0, 0, 0)
    last_id = 0
    batch_size = int(os.environ.get("CHIPWATCH_PROCESS_BATCH") or BATCH)
    while batch := articles_to_analyze(db, PIPELINE_VERSION, batch_size, after_id=last_id):
        results = list(analyzer.analyze(batch))
        save_analyses(db, results, PIPELINE_VERSION)
        last_id = batch[-1]["id"]
        report.analyzed += len(results)
        report.mentions += sum(len(r["entities"]) for r in results)
        report.listed_mentions += sum(1 for r in results for e in r["entities"] if e.get("sanctions"))
        report.events += sum(len(r.get("events", [])) for r in results)
        report.relevant += sum(1 for r in results if r.get("relevant"))
        if progress:
            sys.stderr.write(f"\rprocessing: {report.analyzed} of {total} articles ")
            sys.stderr.flush()
    if progress and total:
        sys.stderr.write("\n")
    db.close()
    return report
