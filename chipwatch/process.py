"""`chipwatch process`: run the NLP stages over stored articles the current pipeline has not analysed yet.

With workers > 1 the analysis runs in that many worker processes (each loads the models once),
while this process alone reads batches and writes results, in article order: SQLite keeps one
writer, and a kill loses only the batches not yet committed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from chipwatch.children import die_with_parent
from core.records import Analysis, Document
from db.entities import articles_to_analyze, count_to_analyze, save_analyses, save_entities
from db.sanctions import stored_entries
from db.store import open_db
from nlp.analyze import Analyzer
from nlp.errors import PipelineError
from nlp.pipeline import PIPELINE_VERSION
from nlp.sanctions import SanctionsIndex

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


def process_articles(db_path: str | Path | None = None, progress: bool = False, workers: int = 1) -> ProcessReport:
    """Analyse every article not yet analysed by PIPELINE_VERSION; batches commit as they go, so a kill loses one batch at most
    (with workers, the batches in flight)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    db = open_db(db_path)
    sanctions = SanctionsIndex(stored_entries(db))
    analyzer = Analyzer(sanctions=sanctions)
    save_entities(db, kb_rows(analyzer))
    total = count_to_analyze(db, PIPELINE_VERSION)
    report = ProcessReport(0, 0, 0)
    batch_size = int(os.environ.get("CHIPWATCH_PROCESS_BATCH") or BATCH)
    batches = _batches(db, batch_size)
    analysed = (list(analyzer.analyze(batch)) for batch in batches) if workers == 1 else _in_workers(batches, sanctions, workers)
    for results in analysed:
        save_analyses(db, results, PIPELINE_VERSION)
        report.analyzed += len(results)
        report.mentions += sum(len(r.entities) for r in results)
        report.listed_mentions += sum(1 for r in results for e in r.entities if e.sanctions)
        report.events += sum(len(r.events or []) for r in results)
        report.relevant += sum(1 for r in results if r.relevant)
        if progress:
            sys.stderr.write(f"\rprocessing: {report.analyzed} of {total} articles ")
            sys.stderr.flush()
    if progress and total:
        sys.stderr.write("\n")
    db.close()
    return report


def _batches(db: Database, batch_size: int) -> Iterator[list[Document]]:
    last_id = 0
    while batch := articles_to_analyze(db, PIPELINE_VERSION, batch_size, after_id=last_id):
        last_id = batch[-1].id
        yield batch


def _in_workers(batches: Iterator[list[Document]], sanctions: SanctionsIndex, workers: int) -> Iterator[list[Analysis]]:
    """Each batch's results, in input order, analysed by `workers` processes; two batches per worker in flight keep them busy."""
    context = multiprocessing.get_context("spawn")  # never fork a process that may hold torch's threads
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(sanctions,)) as pool:
        pending: deque[Future] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(_analyze_in_worker, batch))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise PipelineError("a worker process died while analysing (out of memory, or killed); the batches committed so far are kept, run process again") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


_worker_analyzer: Analyzer | None = None


def _start_worker(sanctions: SanctionsIndex) -> None:
    """In each worker: die with the parent (even after kill -9), leave Ctrl-C to the parent, one torch thread per worker."""
    die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    global _worker_analyzer
    _worker_analyzer = Analyzer(sanctions=sanctions)


def _analyze_in_worker(batch: list[Document]) -> list[Analysis]:
    assert _worker_analyzer is not None, "worker not started"
    return list(_worker_analyzer.analyze(batch))
