"""Trigger words per event type, in English and Chinese: which sentences may state an event.

The rules are deliberately broad: they pick the sentences the model looks at (a sentence with no
trigger never becomes an event) and, on their own, they are the keyword baseline the model is
measured against (eval/events.py). Chinese patterns are written in Simplified; sentences are
matched in their folded form (nlp/events/text.py), so Traditional text needs no second list.
"""

from __future__ import annotations

import re
from functools import cache

from core.script import fold
from core.vocab import EVENT_TYPES

TRIGGERS: dict[str, dict[str, str]] = {
    "export_restriction": {
        "en": r"export[- ]controls?|export (?:restrictions?|curbs?|bans?|rules?|limits?)|controls? on (?:the )?(?:export|sale|shipment)s?"
        r"|restrict\w* (?:the )?(?:exports?|sales?|shipments?|access)|(?:curbs?|restrictions?|limits?|bans?|caps?) on (?:\w+ ){0,3}(?:chips?|semiconductors?|gpus?|exports?|sales?|shipments?|tools?|equipment|compute|gallium|germanium|hbm)"
        r"|tighten\w*|relax\w*|loosen\w*|rescind\w*|lift\w* (?:the )?(?:ban|restrictions?|curbs?)|new rules?|interim final rule|diffusion (?:rule|framework)"
        r"|foreign direct product|de minimis|import (?:ban|restrictions?)|stop (?:buying|purchasing|using)|(?:barred|banned|prohibited) from (?:buying|selling|exporting|importing)"
        r"|licen[cs]e requirements?|weigh\w* (?:new )?(?:restrictions?|curbs?|limits?)",
        "zh": r"出口管制|出口限制|出口禁令|禁止出口|限制出口|管制措施|管制新规|新规|禁令|限令|限制措施|收紧|放宽|取消(?:限制|管制|禁令)|撤销(?:限制|管制|禁令)"
        r"|禁售|断供|许可要求|停止(?:采购|购买|使用)|不得(?:采购|购买|使用)|进口限制|禁止进口|扩散框架|管控|限制(?:向|对)|加强.{0,6}管制|实施管制|管制清单|限制.{0,10}(?:芯片|出口|销售)",
    },
    "entity_listing": {
        "en": r"entity list|unverified list|military end[- ]users? list|meu list|unreliable entit(?:y|ies) list|black-?list\w*|delist\w*"
        r"|added (?:\w+ ){0,8}to (?:\w+ ){0,4}list|remov\w* (?:\w+ ){0,8}from (?:\w+ ){0,4}list",
        "zh": r"实体清单|实体名单|未经核实清单|未核实清单|军事最终用户|不可靠实体清单|黑名单|出口管制管控名单|管控名单|列入.{0,12}(?:清单|名单)|纳入.{0,12}(?:清单|名单)|移出.{0,8}(?:清单|名单)|从.{0,12}(?:清单|名单).{0,4}(?:移除|删除)",
    },
    "license_decision": {
        "en": r"licen[cs](?:e|es|ed|ing)|authori[sz]ations?|waivers?|exemptions?|reprieve|validated end[- ]user|\bveu\b|approv\w* (?:\w+ ){0,4}(?:sales?|shipments?|exports?)",
        "zh": r"许可证?|授权|豁免|批准|经验证最终用户|VEU|通用许可|放行",
    },
    "circumvention": {
        "en": r"circumvent\w*|evad\w*|evasion|skirt\w*|get(?:ting)? around|workarounds?|loopholes?|smuggl\w*|black market|shell compan\w*|front compan\w*"
        r"|intermediar\w*|middlem[ae]n|third[- ](?:party|parties|countr\w*)|trans-?ship\w*|re-?export\w*|divert\w*|subsidiar\w*"
        r"|rent\w*|cloud (?:services?|providers?|computing|access)|remote(?:ly)? access\w*",
        "zh": r"规避|绕过|绕开|逃避|走私|黑市|空壳公司|壳公司|幌子公司|中间商|中介|第三方|第三国|转运|转口|转卖|子公司|租用|租赁|出租|云服务|云计算|云端|远程访问|灰色渠道|偷运|漏洞",
    },
    "enforcement": {
        "en": r"investigat\w*|probe[sd]?|charg(?:e|ed|es|ing)|indict\w*|arrest\w*|fine[sd]?\b|penalt\w*|settle\w*|denial orders?|seiz\w*|convict\w*|guilty"
        r"|sentenc\w*|prosecut\w*|summon\w*|violat\w*|track\w* (?:\w+ ){0,3}shipments?|location verification|halt\w* (?:\w+ ){0,3}(?:supplies|shipments?|sales)",
        "zh": r"调查|起诉|指控|逮捕|罚款|处罚|罚金|和解|拒绝令|查获|扣押|没收|定罪|认罪|判处|判刑|约谈|违规|违反|违法|追踪|核查|暂停供货|停止供货|执法",
    },
    "chip_procurement": {
        "en": r"\bbuy\w*|bought|purchas\w*|orders?\b|ordered|acquir\w*|stockpil\w*|hoard\w*|deliver\w*|shipp?\w*|procur\w*|rent\w*|snapp\w* up|deploy\w*",
        "zh": r"采购|购买|购入|买入|订单|订购|下单|囤积|储备|囤货|抢购|交付|出货|到货|部署|扫货|租用|租赁",
    },
    "product_adaptation": {
        "en": r"china[- ](?:specific|only|market)|compliant|downgrad\w*|cut[- ]down|scaled[- ]back|tailored|special (?:version|edition)|custom(?:ized)? (?:version|chip)"
        r"|variant|to comply with|fit under|below the (?:\w+ )?thresholds?|(?:performance|bandwidth) (?:cap|limit|cut)\w*|watered[- ]down|reduced[- ]performance",
        "zh": r"特供|阉割|降级版|降规|合规版|合规芯片|符合.{0,12}(?:规定|要求|限制|标准)|定制版|专供|缩水|性能.{0,4}(?:下调|削减|降低)|中国版|减配",
    },
}

# Phrases that state an event of a type almost by themselves (the triggers above only make a
# sentence a candidate). Features for the heads, not decisions.
STRONG = {
    "export_restriction": {
        "en": r"(?:new|tighten\w*|expand\w*|impos\w*|announc\w*|issu\w*|unveil\w*|broaden\w*|updat\w*|eas\w*|relax\w*|lift\w*) (?:\w+ ){0,6}(?:export controls?|export restrictions?|curbs|rules? on)"
        r"|(?:ban\w*|restrict\w*|halt\w*|bar\w*) (?:\w+ ){0,4}(?:exports?|sales?|shipments?) of|interim final rule|diffusion rule",
        "zh": r"(?:宣布|公布|发布|出台|实施|收紧|加强|扩大|升级|放宽|取消|暂停).{0,12}(?:出口管制|出口限制|管制措施|禁令|限令|新规)|(?:禁止|限制).{0,8}(?:出口|销售|供应).{0,12}(?:芯片|半导体|设备|GPU|镓|锗)",
    },
    "entity_listing": {
        "en": r"add\w* (?:\w+ ){0,10}to (?:the |its |a )?(?:\w+ ){0,2}(?:entity|unverified|end[- ]user|unreliable entity) list|(?:entity|unverified) list (?:additions?|designations?)|remov\w* (?:\w+ ){0,10}from (?:the )?(?:entity|unverified) list",
        "zh": r"(?:列入|纳入|加入|增列|添加至|移出|移除).{0,20}(?:实体清单|实体名单|未经核实清单|未核实清单|不可靠实体清单|军事最终用户清单|管控名单)",
    },
    "license_decision": {
        "en": r"(?:grant\w*|den(?:y|ied|ies)|revok\w*|approv\w*|issu\w*|extend\w*|suspend\w*|reject\w*) (?:\w+ ){0,6}licen[cs]es?|licen[cs]es? (?:\w+ ){0,4}(?:granted|denied|revoked|approved|extended)|temporary general licen[cs]e|validated end[- ]user status",
        "zh": r"(?:批准|拒绝|吊销|撤销|发放|颁发|延长|暂停|收回|获得|取得).{0,10}(?:许可|授权|豁免)|(?:许可|授权|豁免).{0,6}(?:获批|被拒|被撤销|到期)|临时通用许可|经验证最终用户",
    },
    "circumvention": {
        "en": r"smuggl\w*|shell compan\w*|front compan\w*|(?:evad|circumvent|skirt|get around|bypass)\w* (?:\w+ ){0,4}(?:controls?|restrictions?|curbs|rules|ban|sanctions)|trans-?ship\w*|rent\w* (?:\w+ ){0,6}(?:gpus?|chips?|a100|h100|servers?) (?:\w+ ){0,4}(?:cloud|through)",
        "zh": r"走私|空壳公司|壳公司|(?:规避|绕过|绕开|逃避).{0,8}(?:管制|限制|禁令|制裁)|转运|(?:租用|租赁).{0,10}(?:芯片|GPU|A100|H100|算力|服务器)|通过.{0,8}(?:中间商|第三方|子公司)",
    },
    "enforcement": {
        "en": r"charged with|indict\w*|\bfined\b|civil penalt\w*|penalt\w* of|denial order|seiz\w*|pleaded guilty|arrest\w*|(?:open\w*|launch\w*) (?:an? )?(?:investigation|probe)|investigat\w* (?:\w+ ){0,6}(?:violat\w*|diversion|smuggl\w*)|summon\w*",
        "zh": r"起诉|罚款|罚金|查获|扣押|判处|逮捕|拒绝令|约谈|立案调查|(?:调查|核查).{0,10}(?:违规|违反|走私|流向|转移)",
    },
    "chip_procurement": {
        "en": r"(?:order\w*|bought|buy\w*|purchas\w*|stockpil\w*|hoard\w*|took delivery) (?:\w+ ){0,8}(?:chips?|gpus?|accelerators?|a100s?|h100s?|h20s?|h200s?|b200s?|ascend|hbm)",
        "zh": r"(?:采购|购买|订购|囤积|储备|抢购|下单|交付|到货).{0,12}(?:芯片|GPU|A100|H100|H20|H200|B200|昇腾|HBM|算力|加速卡)",
    },
    "product_adaptation": {
        "en": r"china[- ](?:specific|only)|(?:compliant|downgraded|cut-down|scaled-back|tailored) (?:\w+ ){0,3}(?:version|chip|gpu|variant|model)|(?:version|variant) (?:\w+ ){0,4}(?:for|tailored to) (?:the )?china",
        "zh": r"特供版|中国特供|阉割版|降级版|合规版|专供中国|中国版|(?:符合|满足).{0,10}(?:出口管制|管制要求|出口规定)",
    },
}


def strong_types(folded_sentence: str, lang: str) -> list[float]:
    """1.0 or 0.0 per event type: does the sentence hold one of the type's strong phrases."""
    return _flags(STRONG, EVENT_TYPES, folded_sentence, lang)


# A chip, tool, material or compute term: export restrictions, procurement, circumvention and
# enforcement events need one in the sentence (or a product mention); entity listings do not.
CHIP_CONTEXT = {
    "en": r"chips?\b|semiconductor\w*|gpus?\b|accelerators?|processors?|a100|a800|h100|h800|h20\b|h200|b200|gb200|blackwell|hopper|mi\d{3}|ascend|hbm|memory chips?"
    r"|lithograph\w*|euv|duv|chipmaking|chip-making|wafer\w*|fabs?\b|foundr\w*|\beda\b|design software|gallium|germanium|antimony|graphite|rare earths?"
    r"|model weights|computing power|compute\b|supercomput\w*|data cent(?:er|re)s?|ai servers?|nvidia|asml",
    "zh": r"芯片|半导体|晶片|GPU|算力|光刻|晶圆|制程|存储芯片|内存|HBM|镓|锗|锑|石墨|稀土|EDA|集成电路|超算|加速器|昇腾|升腾|制造设备|设备|英伟达|A100|H100|H20|H800|A800|服务器|模型权重|人工智能|AI",
}
CONTEXT_FREE = {"entity_listing", "license_decision"}


@cache
def compiled(source: str, lang: str) -> re.Pattern[str]:
    """A pattern of this module, compiled once; Chinese patterns are folded like the text they read."""
    return re.compile(fold(source) if lang == "zh" else source, re.IGNORECASE)


def _pattern(kind: str, lang: str) -> re.Pattern[str]:
    return compiled(TRIGGERS[kind][lang] if kind in TRIGGERS else CHIP_CONTEXT[lang], lang)


def lexicon_lang(lang: str) -> str:
    return "zh" if (lang or "").lower().startswith("zh") else "en"


def trigger_types(folded_sentence: str, lang: str, has_product: bool = False) -> list[str]:
    """The event types whose triggers a (folded) sentence holds, given the chip-context rule."""
    lang = lexicon_lang(lang)
    context = has_product or bool(_pattern("context", lang).search(folded_sentence))
    found = []
    for kind in EVENT_TYPES:
        if (context or kind in CONTEXT_FREE) and _pattern(kind, lang).search(folded_sentence):
            found.append(kind)
    return found


def has_chip_context(folded_sentence: str, lang: str) -> bool:
    return bool(_pattern("context", lexicon_lang(lang)).search(folded_sentence))


MECHANISM_PATTERNS = {
    "shell_company": {"en": r"shell compan\w*|front compan\w*", "zh": r"空壳公司|壳公司|幌子公司"},
    "smuggling": {"en": r"smuggl\w*|black market", "zh": r"走私|偷运|黑市|水货"},
    "transshipment": {"en": r"trans-?ship\w*|re-?export\w*|third countr\w*|via (?:singapore|malaysia|thailand|vietnam|the uae)", "zh": r"转运|转口|第三国|经由|途经"},
    "intermediary": {"en": r"intermediar\w*|middlem[ae]n|third[- ]part\w*|distributors?|resell\w*", "zh": r"中间商|中介|第三方|经销商|代理商|转卖"},
    "subsidiary": {"en": r"subsidiar\w*|affiliates?", "zh": r"子公司|关联公司|分公司"},
    # last: news often names a cloud firm as the source of a story about another mechanism
    # ("an executive of a cloud start-up said buyers hid behind shell companies")
    "cloud_rental": {"en": r"\brent\w*|cloud", "zh": r"租用|租赁|出租|云服务|云计算|云端|远程访问"},
}


def mechanism(folded_sentence: str, lang: str) -> str | None:
    """The circumvention mechanism a sentence names: the first in MECHANISM_PATTERNS' order, the most specific first."""
    lang = lexicon_lang(lang)
    for name, patterns in MECHANISM_PATTERNS.items():
        if compiled(patterns[lang], lang).search(folded_sentence):
            return name
    return None


# Signals the annotation guide names, as features for the heads (nlp/events/extract.py: rule_features):
# news is recent; background is old; some lists and sanctions are not export controls; some chip
# news is off-topic by nature (a card launch, earnings, a vulnerability, a breach).
SIGNALS = {
    "recent": {
        "en": r"\bon (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|this week|today|yesterday|announced|unveiled|issued|published|said on",
        "zh": r"近日|日前|今天|今日|昨天|昨日|本周|周[一二三四五六日]|星期[一二三四五六日]|当天|宣布|公布|发布|出台|印发",
    },
    "background": {
        "en": r"\bsince\b|last year|previously|earlier rules?|in the past|has been on|was added in|were added in|already|years ago|so far|to date|means that|typically|usually",
        "zh": r"此前|曾经|曾|早在|以来|去年|前年|之前|过去|早已|多年|截至目前|截至|迄今|意味着|通常|一般而言",
    },
    "other_list": {
        "en": r"pentagon|defen[cs]e department|department of defen[cs]e|1260h|military compan\w*|treasury|ofac|\bsdn\b|financial sanctions?|visa",
        "zh": r"国防部|1260H|中国军事企业|军事企业清单|财政部|外国资产控制办公室|OFAC|SDN|金融制裁|签证|制裁名单",
    },
    "off_topic": {
        "en": r"graphics cards?|gaming|gamers?|smartphones?|earnings|quarterly revenue|vulnerabilit\w*|ransomware|data breach|breach|hack\w*|malware|layoffs?|antitrust",
        "zh": r"显卡|游戏|手机|财报|营收|季度|漏洞|勒索|数据泄露|泄露|黑客|恶意软件|裁员|反垄断",
    },
}


def signals(folded_sentence: str, lang: str) -> list[float]:
    """1.0 or 0.0 for each of SIGNALS, in order."""
    return _flags(SIGNALS, tuple(SIGNALS), folded_sentence, lang)


def _flags(table: dict[str, dict[str, str]], keys: tuple[str, ...], folded_sentence: str, lang: str) -> list[float]:
    """1.0 or 0.0 per key: does the sentence match the key's pattern in the table."""
    lang = lexicon_lang(lang)
    return [1.0 if compiled(table[key][lang], lang).search(folded_sentence) else 0.0 for key in keys]
