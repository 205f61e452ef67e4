"""The entity knowledge base: organisations and products, loaded from the data folder `nlp/kb/*.jsonl`.

Pure and typed: names in, entities out. A mention resolves by exact lookup of its normalised
form (core.names.normalize_name, shared with the sanctions lists) over every entity's name,
Chinese names and aliases, so Simplified and Traditional script, case, spacing, punctuation and
legal suffixes ("Co., Ltd.", 有限公司) do not matter, while a longer or different name ("SenseTime Capital Partners") does not match.
Places ("Washington", "Beijing") are not organisations and are not in the KB.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from core.names import normalize_name

logger = logging.getLogger(__name__)

KB_DIR = Path(__file__).resolve().parent / "kb"
ORG_FILE = "organizations.jsonl"
PRODUCT_FILE = "products.jsonl"

ORG_TYPES = frozenset(
    {
        "company",
        "government",
        "university",
        "research_institute",
        "military",
        "industry_association",
    }
)
PRODUCT_TYPES = frozenset(
    {
        "gpu",
        "accelerator",
        "cpu",
        "memory",
        "lithography_machine",
        "chipmaking_equipment",
        "eda_software",
        "material",
        "process_node",
        "other",
    }
)

# spaCy-style NER labels (and our own kind names) mapped to the kind of entity they can denote;
# a label only breaks ties between candidates, it never vetoes a unique match
_LABEL_KINDS = {
    "ORG": "org",
    "NORP": "org",
    "GPE": "org",
    "FAC": "org",
    "PRODUCT": "product",
    "WORK_OF_ART": "product",
    "ORG_KIND": "org",
    "PRODUCT_KIND": "product",
}

_ID_RE = re.compile(r"^(org|product):[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY_RE = re.compile(r"^(?:[A-Z]{2})$")

class KBError(ValueError):
    """The KB data is invalid; `problems` lists every problem found, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the knowledge base:\n" + "\n".join(problems)
        )


@dataclass(frozen=True)
class Entity:
    """One organisation or product. `kind` is "org" or "product"."""

    id: str
    name: str
    type: str
    country: str | None
    zh: str | None
    zh_hant: str | None
    aliases: tuple[str, ...]
    parent: str | None
    kind: str
    maker: str | None = None
    patterns: tuple[str, ...] = ()

    def surfaces(self) -> tuple[str, ...]:
        """Every name the entity is known by, as written in the data (name first)."""
        out: list[str] = []
        for s in (self.name, self.zh, self.zh_hant, *self.aliases):
            if s and s not in out:
                out.append(s)
        return tuple(out)


@cache
def _converter(config: str) -> Any:
    """A cached OpenCC converter ("t2s", "s2t", "s2tw", "s2hk"); building one reads its tables."""
    from opencc import OpenCC

    return OpenCC(config)


def simplified_spelling(text: str) -> str:
    """How `text` is written in Simplified Chinese (OpenCC t2s, phrase by phrase): a spelling to
    find in running text, not a comparison key (names compare by core.names.normalize_name)."""
    return _converter("t2s").convert(text)


def traditional_forms(text: str) -> tuple[str, ...]:
    """The Traditional renderings of a Simplified string: OpenCC standard, Taiwan and Hong Kong
    character variants (华为 -> 華爲, 華為), without duplicates; may include `text` itself."""
    out: list[str] = []
    for config in ("s2t", "s2tw", "s2hk"):
        form = _converter(config).convert(text)
        if form not in out:
            out.append(form)
    return tuple(out)


def _as_str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _entity_from_row(
    row: dict[str, Any], kind: str, where: str, problems: list[str]
) -> Entity | None:
    """Build an Entity from one JSON object, appending any problems found."""
    if not isinstance(row, dict):
        problems.append(f"{where}: not a JSON object")
        return None
    ident, name, etype = (
        _as_str(row.get("id")),
        _as_str(row.get("name")),
        _as_str(row.get("type")),
    )
    label = ident or where
    for field, value in (("id", ident), ("name", name), ("type", etype)):
        if value is None:
            problems.append(f"{where} ({label}): missing required field {field!r}")
    if ident is None or name is None or etype is None:
        return None
    prefix = "org" if kind == "org" else "product"
    if not _ID_RE.match(ident) or not ident.startswith(prefix + ":"):
        problems.append(
            f"{where} ({ident}): id must look like '{prefix}:lower-case-slug'"
        )
    allowed = ORG_TYPES if kind == "org" else PRODUCT_TYPES
    if etype not in allowed:
        problems.append(
            f"{where} ({ident}): type {etype!r} not one of {sorted(allowed)}"
        )
    country = _as_str(row.get("country"))
    if kind == "org":
        if country is None:
            problems.append(f"{where} ({ident}): missing required field 'country'")
        elif not _COUNTRY_RE.match(country):
            problems.append(
                f"{where} ({ident}): country {country!r} is not an ISO 3166 alpha-2 code"
            )
    raw_aliases = row.get("aliases") or []
    raw_patterns = row.get("patterns") or []
    if not isinstance(raw_aliases, list) or not all(
        isinstance(a, str) and a.strip() for a in raw_aliases
    ):
        problems.append(
            f"{where} ({ident}): aliases must be a list of non-empty strings"
        )
        raw_aliases = []
    if not isinstance(raw_patterns, list) or not all(
        isinstance(p, str) and p for p in raw_patterns
    ):
        problems.append(f"{where} ({ident}): patterns must be a list of regex strings")
        raw_patterns = []
    for pattern in raw_patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{where} ({ident}): bad pattern {pattern!r}: {exc}")
    return Entity(
        id=ident,
        name=name,
        type=etype,
        country=country,
        zh=_as_str(row.get("zh")),
        zh_hant=_as_str(row.get("zh_hant")),
        aliases=tuple(dict.fromkeys(a.strip() for a in raw_aliases)),
        parent=_as_str(row.get("parent")),
        kind=kind,
        maker=_as_str(row.get("maker")),
        patterns=tuple(raw_patterns),
    )


def _read_jsonl(path: Path, kind: str, problems: list[str]) -> list[Entity]:
    entities: list[Entity] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: invalid JSON: {exc}")
                continue
            entity = _entity_from_row(row, kind, where, problems)
            if entity is not None:
                entities.append(entity)
    return entities


class KnowledgeBase:
    """Organisations and products with a normalised-name index.

    Build with `KnowledgeBase.load()` (the shipped data) or `KnowledgeBase(entities)`; both
    validate and raise `KBError` listing every problem: duplicate ids, missing fields, unknown
    types, dangling parent/maker ids, bad patterns, and one normalised name claimed by two
    entities of the same kind (an org and a product may share one; the label decides).
    """

    def __init__(
        self, entities: Iterable[Entity], problems: list[str] | None = None
    ) -> None:
        problems = list(problems or [])
        self._by_id: dict[str, Entity] = {}
        for entity in entities:
            if entity.id in self._by_id:
                problems.append(f"duplicate id {entity.id}")
                continue
            self._by_id[entity.id] = entity
        self._index: dict[str, list[Entity]] = defaultdict(list)
        owners: dict[tuple[str, str], tuple[Entity, str]] = {}
        for entity in self._by_id.values():
            for ref_field in ("parent", "maker"):
                ref = getattr(entity, ref_field)
                if ref is not None:
                    target = self._by_id.get(ref)
                    if target is None:
                        problems.append(
                            f"{entity.id}: {ref_field} {ref} does not exist"
                        )
                    elif target.kind != "org":
                        problems.append(
                            f"{entity.id}: {ref_field} {ref} is not an organisation"
                        )
                    elif ref == entity.id:
                        problems.append(f"{entity.id}: is its own {ref_field}")
            for surface in entity.surfaces():
                key = normalize_name(surface)
                if not key:
                    problems.append(
                        f"{entity.id}: name {surface!r} normalises to nothing"
                    )
                    continue
                seen = owners.get((entity.kind, key))
                if seen is not None and seen[0].id != entity.id:
                    problems.append(
                        f"alias conflict: {surface!r} ({entity.id}) and {seen[1]!r} ({seen[0].id}) "
                        f"both normalise to {key!r}"
                    )
                    continue
                if seen is None:
                    owners[(entity.kind, key)] = (entity, surface)
                    self._index[key].append(entity)
        if problems:
            raise KBError(problems)
        self._patterns: list[tuple[re.Pattern[str], Entity]] = [
            (re.compile(p), e) for e in self._by_id.values() for p in e.patterns
        ]

    @classmethod
    def load(cls, path: str | Path | None = None) -> KnowledgeBase:
        """Load and validate `organizations.jsonl` and `products.jsonl` from `path` (default:
        the `nlp/kb/` directory shipped with the package)."""
        directory = Path(path) if path is not None else KB_DIR
        problems: list[str] = []
        entities = _read_jsonl(directory / ORG_FILE, "org", problems)
        entities += _read_jsonl(directory / PRODUCT_FILE, "product", problems)
        kb = cls(entities, problems)
        logger.debug("loaded %s entities from %s", len(kb), directory)
        return kb

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, ident: object) -> bool:
        return ident in self._by_id

    def get(self, ident: str) -> Entity | None:
        """The entity with this id, or None."""
        return self._by_id.get(ident)

    def all(self) -> tuple[Entity, ...]:
        """Every entity, organisations first, in file order."""
        return tuple(self._by_id.values())

    def organizations(self) -> tuple[Entity, ...]:
        return tuple(e for e in self._by_id.values() if e.kind == "org")

    def products(self) -> tuple[Entity, ...]:
        return tuple(e for e in self._by_id.values() if e.kind == "product")

    def candidates(self, text: str) -> tuple[Entity, ...]:
        """Every entity whose normalised name equals that of `text` (at most one per kind)."""
        return tuple(self._index.get(normalize_name(text), ()))

    def resolve(self, text: str, label: str | None = None) -> Entity | None:
        """The one entity `text` names, or None when it names none or is ambiguous.

        Matching is exact on the normalised form: "商湯科技", "SenseTime Group Inc." and
        "sensetime" all give SenseTime, "SenseTime Capital Partners" gives None. `label` (a
        spaCy label such as "ORG"/"PRODUCT", or "org"/"product") picks between an organisation
        and a product that share a name; it does not reject a unique match.
        """
        if not text or not text.strip():
            return None
        found = self.candidates(text)
        if len(found) == 1:
            return found[0]
        if len(found) > 1 and label:
            kind = _LABEL_KINDS.get(label.upper(), label.lower())
            chosen = [e for e in found if e.kind == kind]
            if len(chosen) == 1:
                return chosen[0]
        return None

    def aliases(self) -> Iterator[tuple[str, Entity]]:
        """(surface, entity) pairs for building a phrase matcher over both scripts: every name
        as written, plus its Simplified form and its Traditional forms (standard, Taiwan, Hong
        Kong variants). Each surface appears once per entity."""
        for entity in self._by_id.values():
            seen: set[str] = set()
            for surface in entity.surfaces():
                for form in (
                    surface,
                    simplified_spelling(surface),
                    *traditional_forms(surface),
                ):
                    if form not in seen:
                        seen.add(form)
                        yield form, entity

    def product_patterns(self) -> list[tuple[re.Pattern[str], Entity]]:
        """Compiled model-number regexes with the product each one identifies."""
        return list(self._patterns)

    def match_products(self, text: str) -> list[tuple[int, int, Entity]]:
        """(start, end, product) for every pattern hit in `text`, in text order, longest first
        where two hits start at the same place; overlapping later hits are dropped."""
        hits = sorted(
            (
                (m.start(), m.end(), e)
                for rx, e in self._patterns
                for m in rx.finditer(text)
            ),
            key=lambda h: (h[0], -(h[1] - h[0])),
        )
        out: list[tuple[int, int, Entity]] = []
        end = -1
        for start, stop, entity in hits:
            if start >= end:
                out.append((start, stop, entity))
                end = stop
        return out


class UnknownEntity(LookupError):
    """A name the knowledge base does not know."""


@lru_cache(maxsize=4)
def shared_kb(kb_dir: str | None = None) -> KnowledgeBase:
    """One knowledge base per directory and process, however many pipelines and commands use it."""
    return KnowledgeBase.load(kb_dir)


def resolve_entity_id(name_or_id: str, kb: KnowledgeBase | None = None) -> str:
    """The knowledge-base id for an id, or a name in any script (SenseTime, 商汤, 商湯科技)."""
    kb = kb or shared_kb()
    if kb.get(name_or_id) is not None:
        return name_or_id
    entity = kb.resolve(name_or_id)
    if entity is None:
        raise UnknownEntity(f"no entity called {name_or_id!r} in the knowledge base (nlp/kb/)")
    return entity.id
