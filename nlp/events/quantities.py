"""Amounts an event's sentence states: money, quantities of chips or parties, prices per hour.

Kept as the text states them (the labels do the same); at most three per event.
"""

from __future__ import annotations

import re
from functools import cache

_MONEY_EN = r"(?:US\s?)?\$\s?\d[\d,]*(?:\.\d+)?\s?(?:million|billion|bn|m|k)?\b|\d[\d,]*(?:\.\d+)?\s?(?:million|billion)?\s?(?:US )?(?:dollars|USD|euros?|yuan)\b|USD\s?\d[\d,]*(?:\.\d+)?\s?(?:million|billion)?"
_QUANTITY_EN = r"\b\d[\d,]*(?:\.\d+)?\s?(?:million|thousand)?\s?(?:\w+ )?(?:units|chips|GPUs|processors|servers|companies|entities|firms|organi[sz]ations|people|men|individuals)\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozens of|hundreds of|thousands of|tens of thousands of) (?:\w+ )?(?:chips|GPUs|companies|entities|men|people|individuals)\b"
_PRICE_EN = r"(?:for|at) (?:US\s?)?\$?\s?\d[\d,.]*\s?(?:US dollars|dollars|USD)? ?(?:an|per|a) hour"
_MONEY_ZH = r"\d[\d,，.]*\s?(?:万|亿|千万|百万)?\s?(?:美元|美金|元|人民币|欧元|日元)|(?:每小时|每小時)(?:约|約)?\s?\d[\d.]*\s?(?:美元|元)"
_QUANTITY_ZH = (
    r"\d[\d,，.]*\s?(?:万)?\s?(?:块|颗|台|片|枚|张|套|家|个)(?:[\u4e00-\u9fff]{0,4}(?:芯片|GPU|企业|实体|公司|机构|服务器|光刻机|处理器))?"
    r"|(?:\d+|[一二三四五六七八九十两]+)\s?名(?:男子|人员|嫌疑人|被告|中国公民|新加坡人)"
)


@cache
def _amount_re(family: str) -> re.Pattern[str]:
    source = f"{_PRICE_EN}|{_MONEY_EN}|{_QUANTITY_EN}" if family == "en" else f"{_MONEY_ZH}|{_QUANTITY_ZH}"
    return re.compile(source, re.IGNORECASE)


def amounts(sentence: str, family: str) -> str | None:
    """The amounts the sentence states, joined by "; " (at most three), or None."""
    found: list[str] = []
    for match in _amount_re(family).finditer(sentence):
        text = match.group(0).strip()
        if text and text not in found:
            found.append(text)
    return "; ".join(found[:3]) if found else None
