"""Train chipwatch's Chinese NER on CLUENER2020 and save it to nlp/models/zh_ner/.

The data is read from ../shared (research use only, never copied into the repository). Its
types are mapped to ours, 10% of the sentences (by a hash of the text) are held out as the dev
set, every training sentence is added a second time converted to Traditional characters with
OpenCC, and spaCy trains nlp/models/zh_ner.cfg on it.

Example:
    .venv/bin/python -m nlp.train_zh_ner --data ../shared/data/ner/cluener_public/train.json \
        --out nlp/models/zh_ner
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "ner" / "cluener_public" / "train.json"
DEFAULT_CONFIG = REPO / "nlp" / "models" / "zh_ner.cfg"
DEFAULT_OUT = REPO / "nlp" / "models" / "zh_ner"
DEFAULT_WORK = REPO / "build" / "zh_ner"
DEV_PERCENT = 10

Span = tuple[int, int, str]  # start, end (exclusive), label

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
    """GPE for a bare country/province/city name, LOC for every other CLUENER address."""
    if entity in GPE_NAMES:
        return "GPE"
    for suffix in _GPE_SUFFIXES:
        if entity.endswith(suffix) and entity[: -len(suffix)] in GPE_NAMES:
            return "GPE"
    return "LOC"


def map_record(record: dict) -> list[Span]:
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
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[Span] = []
    for (
        span
    ) in spans:  # CLUENER spans almost never overlap; keep the first, longest one
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def is_dev(text: str) -> bool:
    """Deterministic held-out split: DEV_PERCENT% of sentences by a hash of their text."""
    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < DEV_PERCENT


def read_cluener(path: Path) -> Iterator[tuple[str, list[Span]]]:
    """(text, our spans) for every line of a CLUENER JSONL file."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                yield record["text"], map_record(record)


def split(
    path: Path,
) -> tuple[list[tuple[str, list[Span]]], list[tuple[str, list[Span]]]]:
    """(train, dev) examples from a CLUENER file."""
    train: list[tuple[str, list[Span]]] = []
    dev: list[tuple[str, list[Span]]] = []
    for example in read_cluener(path):
        (dev if is_dev(example[0]) else train).append(example)
    return train, dev


def to_traditional(
    examples: Iterable[tuple[str, list[Span]]],
) -> list[tuple[str, list[Span]]]:
    """The examples in Traditional characters; ones whose length OpenCC changes are left out."""
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    out = []
    for text, spans in examples:
        converted = s2t.convert(text)
        if len(converted) == len(
            text
        ):  # offsets stay valid only for char-by-char output
            out.append((converted, spans))
    return out


def write_docbin(examples: Iterable[tuple[str, list[Span]]], path: Path) -> int:
    """Save examples as a spaCy DocBin with a blank char-segmented zh tokenizer; count docs."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("zh")
    docbin = DocBin(store_user_data=False)
    count = 0
    for text, spans in examples:
        doc = nlp.make_doc(text)
        ents = []
        for start, end, label in spans:
            span = doc.char_span(start, end, label=label, alignment_mode="strict")
            if span is None:  # a span starting or ending on whitespace
                span = doc.char_span(start, end, label=label, alignment_mode="contract")
            if span is not None and len(span):
                ents.append(span)
        doc.ents = spacy.util.filter_spans(ents)
        docbin.add(doc)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return count


def train(
    data: Path = DEFAULT_DATA,
    out: Path = DEFAULT_OUT,
    config: Path = DEFAULT_CONFIG,
    work: Path = DEFAULT_WORK,
    traditional: bool = True,
    overrides: dict | None = None,
) -> Path:
    """Build the corpora, train, and copy the best model to out; returns out."""
    from spacy.cli.train import train as spacy_train

    started = time.monotonic()
    train_examples, dev_examples = split(data)
    if traditional:
        train_examples = train_examples + to_traditional(train_examples)
    n_train = write_docbin(train_examples, work / "train.spacy")
    n_dev = write_docbin(dev_examples, work / "dev.spacy")
    logger.info("corpora: %s train docs, %s dev docs in %s", n_train, n_dev, work)
    settings = {
        "paths.train": str(work / "train.spacy"),
        "paths.dev": str(work / "dev.spacy"),
    }
    settings.update(overrides or {})
    spacy_train(config, work / "output", overrides=settings)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(work / "output" / "model-best", out)
    logger.info("saved %s after %.0f s", out, time.monotonic() - started)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="CLUENER train.json"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="model directory to write"
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help="corpora and checkpoints"
    )
    parser.add_argument(
        "--no-traditional",
        action="store_true",
        help="do not add Traditional-converted copies of the training sentences",
    )
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    overrides = {} if args.max_steps is None else {"training.max_steps": args.max_steps}
    train(
        args.data, args.out, args.config, args.work, not args.no_traditional, overrides
    )


if __name__ == "__main__":
    main()
