"""Type rules beside the model: sentences that state circumvention or enforcement in so many
words, and procurement the model took for evasion.

The heads score the candidate sentences; some statements are explicit enough that a rule
should not wait for them: a named company buying or renting *through* an intermediary, its
subsidiary, a shell company or a cloud ("商汤科技通过中间商购买…", "X rented A100s through …"), or
a government body investigating, charging, fining or summoning over export-control violations,
smuggling or fraud. A rule event needs a party (the buyer; the government), so a generic
remark ("some firms may use clouds") stays the model's call. And a "circumvention" with no
mechanism and no evasion word but a purchase or stockpile is chip_procurement (the guide's rule).
"""

from __future__ import annotations


from collections.abc import Sequence

from core.records import Mention
from core.script import fold
from nlp.events.lexicon import compiled, has_chip_context, lexicon_lang

RULE_CONFIDENCE = 0.9

CIRCUMVENTION = {
    "zh": r"(?:通过|借助|利用|经由|借|以)(?:自己的|其|旗下|自有)?.{0,12}(?:中间商|中介|第三方|子公司|空壳公司|壳公司|幌子公司|云服务|云平台|云提供商|云计算|计算机集群).{0,20}(?:购买|采购|获得|获取|租用|进口|买入|签约)"
    r"|(?:租用|租赁).{0,12}(?:芯片|GPU|A100|H100|H20|H200|算力|服务器)|走私.{0,12}(?:芯片|GPU|服务器|A100|H100|H20|H200)",
    "en": r"(?:buy|bought|purchas|acquir|obtain|get|got|access|rent|sourc|import)\w* .{0,80}?(?:through|via|using|from) (?:its |their |a |an |the )?(?:own )?(?:\w+ ){0,3}(?:intermediar|middlem|third[- ]part|subsidiar|shell compan|front compan|cloud)"
    r"|\brent\w* .{0,40}(?:chips|gpus|a100|h100|h20|h200|servers|computing power)|smuggl\w* .{0,40}(?:chips|gpus|a100|h100|h20|h200|servers)",
}
ENFORCEMENT = {
    "zh": r"(?:调查|起诉|指控|控告|被控|罚款|处罚|约谈|查获|扣押|逮捕|立案).{0,30}(?:违反|违规|违法|出口管制|走私|欺诈|安全风险|后门)"
    r"|(?:违反|违规|走私|欺诈).{0,20}(?:调查|起诉|指控|被控|罚款|处罚|查获|逮捕)",
    "en": r"(?:investigat|charg|indict|fined|fine[sd]? |penali|summon|seiz|arrest|prosecut)\w* .{0,80}(?:violat|export control|smuggl|fraud|divert|diversion|backdoor|security risk)"
    r"|(?:violat|smuggl|fraud)\w* .{0,60}(?:investigat|charg|indict|fined|seiz|arrest)",
}
# hedges and denials: a rule does not read these
_HEDGE = {
    "zh": r"可能会|或许|如果|假如|是否|并未|没有违反|不构成|否认",
    "en": r"\bmay\b|\bmight\b|\bcould\b|\bif\b|whether|denied|did not violate|not (?:a |an )?violat",
}
_EVASION = {
    "zh": r"规避|绕过|绕开|逃避|走私|空壳|壳公司|中间商|中介|子公司|转运|违禁|受限|禁令|黑名单|实体清单",
    "en": r"circumvent|evad|evasion|skirt|get around|smuggl|shell|front compan|intermediar|middlem|subsidiar|trans-?ship|divert|banned|restricted|blacklist|entity list",
}
_PURCHASE = {
    "zh": r"采购|购买|购入|订购|囤积|储备|囤货|抢购|下单|订单",
    "en": r"\bbuy|bought|purchas|order|stockpil|hoard|procur",
}


# what a circumvention rule needs the sentence to be about: chips or other controlled goods
_GOODS = {
    "zh": r"元器件|元件|零部件|受限技术|违禁|管制物项",
    "en": r"components|restricted technology|controlled items",
}


def rule_types(folded_sentence: str, lang: str) -> list[str]:
    """The types a sentence states explicitly by the rules above (before the party check)."""
    family = lexicon_lang(lang)
    if compiled(_HEDGE[family], family).search(folded_sentence):
        return []
    found = []
    goods = has_chip_context(folded_sentence, family) or compiled(_GOODS[family], family).search(folded_sentence)
    if goods and compiled(CIRCUMVENTION[family], family).search(folded_sentence):
        found.append("circumvention")
    if compiled(ENFORCEMENT[family], family).search(folded_sentence):
        found.append("enforcement")
    return found


def rule_position(folded_sentence: str, lang: str) -> int:
    """Where the circumvention rule matches in the sentence (its buyer stands just before)."""
    family = lexicon_lang(lang)
    match = compiled(CIRCUMVENTION[family], family).search(folded_sentence)
    return match.start() if match else 0


def nearest_buyer(mentions: Sequence[Mention], position: int, offset: int) -> list[Mention]:
    """The mentions without the organisations before the rule's match other than the nearest:
    in "与科大讯飞同时获批的…商汤科技通过中间商购买…" SenseTime buys, not iFlytek."""
    before = [m for m in mentions if m.label in ("ORG", "FAC") and m.end - offset <= position]
    keep = max(before, key=lambda m: m.end) if before else None
    return [m for m in mentions if m is keep or m not in before]


def retype(kind: str, folded_sentence: str, lang: str, mechanism: str | None) -> str:
    """chip_procurement for a circumvention the sentence does not allege (no mechanism, no evasion word, a purchase)."""
    family = lexicon_lang(lang)
    if kind != "circumvention" or mechanism:
        return kind
    if compiled(_EVASION[family], family).search(folded_sentence):
        return kind
    return "chip_procurement" if compiled(_PURCHASE[family], family).search(folded_sentence) else kind


def folded_for(text: str, lang: str) -> str:
    return fold(text) if lexicon_lang(lang) == "zh" else text
