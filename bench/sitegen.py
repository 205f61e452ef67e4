"""The benchmarks' generated news site: N synthetic articles (60 % Simplified Chinese, 40 % English)
listed in one sitemap, served on 127.0.0.1 by chipwatch.siteserver's server. The tests that need
many pages (faults, hostile sites, reads under writes) use it too.

    with serve_generated_site(1000) as base_url:
        sources = generated_sources_toml(1000)

    python -m bench.sitegen N [--port N] [-v]       # serve it until Ctrl-C

Over 400 lines because most of it is data: the sentence and headline templates the articles are
drawn from, in both languages.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import sys
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from xml.sax.saxutils import escape as xml_escape

from chipwatch.siteserver import Reply, bytes_reply, serve

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org); more and /sitemap.xml becomes an index

# ---------------------------------------------------------------------------- the generated site

_ZH_FIRMS = (
    "中芯国际", "华为", "长鑫存储", "长江存储", "寒武纪", "摩尔线程", "壁仞科技", "海光信息", "燧原科技", "沐曦",
    "浪潮信息", "中科曙光", "紫光展锐", "北方华创", "中微公司", "上海微电子", "算能", "昆仑芯", "天数智芯", "华虹半导体",
    "阿里云", "腾讯云", "字节跳动", "百度智能云", "科大讯飞", "商汤科技", "联想集团", "新华三", "芯原股份", "通富微电",
)
_ZH_FOREIGN = (
    "英伟达", "AMD", "英特尔", "阿斯麦", "东京电子", "应用材料", "泛林集团", "科磊", "美光", "SK海力士",
    "三星电子", "台积电", "超微电脑", "戴尔科技", "新思科技", "楷登电子", "尼康", "佳能", "博通", "高通",
)
_ZH_AGENCIES = (
    "美国商务部工业与安全局", "美国司法部", "美国财政部", "中国商务部", "海关总署", "国家网信办", "荷兰外贸与发展合作部",
    "日本经济产业省", "新加坡警察部队", "马来西亚投资贸易及工业部", "韩国产业通商资源部", "欧盟委员会",
)
_ZH_CHIPS = (
    "A100", "H100", "H200", "H20", "H800", "A800", "B200", "B30A", "昇腾910B", "昇腾910C", "MI308", "HBM3E", "Gaudi 3",
    "L20",
)
_ZH_TOOLS = ("浸润式DUV光刻机", "刻蚀设备", "薄膜沉积设备", "离子注入机", "量测设备", "EDA软件", "清洗设备", "涂胶显影设备", "先进封装设备")
_ZH_PLACES = ("新加坡", "马来西亚", "泰国", "越南", "阿联酋", "印度尼西亚", "日本", "荷兰", "韩国", "印度", "沙特阿拉伯", "墨西哥")
_ZH_CITIES = ("上海", "北京", "深圳", "合肥", "武汉", "无锡", "成都", "西安", "南京", "杭州", "苏州", "广州", "重庆", "天津")
_ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
_ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然晨曦思远嘉怡子涵欣悦一鸣文博雨"
_ZH_SAY = ("表示", "指出", "透露", "称", "认为", "强调", "坦言", "分析说")
_ZH_WHO = ("业内人士", "知情人士", "一位分析师", "一位供应链人士", "多位从业者", "接近监管部门的人士", "一位券商研究员", "市场人士")
_ZH_WHEN = ("近日", "本周", "上周", "日前", "当地时间周二", "当地时间周四", "今年以来", "本月初", "上月底", "周末")

_ZH_SENTENCES = (
    "{agency}{when}发布公告，将{n}家中国实体列入出口管制清单，其中包括{firm}的{m}家子公司。",
    "{who}{say}，{firm}正与{foreign}洽谈采购约{qty}片{chip}，预计{month}月前后交付。",
    "{place}海关{when}查获一批申报为“电脑配件”的货物，其中藏有{qty}块{chip}加速卡。",
    "分析师{person}{say}，{chip}的供应缺口可能在未来{m}个季度内持续扩大。",
    "{firm}在{city}新建的智算中心{when}投入使用，首期部署服务器{qty}台。",
    "{foreign}在声明中{say}，公司将遵守所有适用的出口管制规定，并配合{agency}的调查。",
    "{who}{say}，{tool}的维修和备件供应已成为{firm}扩产的主要瓶颈。",
    "按照新规，向中国出口{tool}须事先申请许可证，审查周期约为{m}个月。",
    "{firm}发布公告称，被列入实体清单对公司日常经营影响有限，将加快推进国产替代。",
    "研究机构数据显示，今年前{m}个月中国进口{tool}的金额同比下降{pct}%。",
    "{city}一家代理商向记者报价，通过{place}的云平台租用{chip}算力，每小时约{price}美元。",
    "{agency}官员在听证会上{say}，正在评估是否把{chip}纳入新的管制范围。",
    "{person}认为，出口管制持续加码，正倒逼{firm}等企业加大研发投入。",
    "{firm}第{q}季度营收同比增长{pct}%，其中AI相关业务占比升至{pct2}%。",
    "据报道，{foreign}已暂停向{place}的{m}家分销商发货，以核实最终用户信息。",
    "检方指控，被告通过在{place}注册的空壳公司，采购了价值约{amount}万美元的{chip}服务器。",
    "{place}政府{when}表示，将加强对原产于美国的高性能芯片的转运审查。",
    "{firm}与{city}市政府签署协议，计划在{m}年内投资{amount}亿元建设先进封装产线。",
    "{who}{say}，{foreign}正为中国市场开发一款性能低于管制门槛的新产品。",
    "{agency}{say}，违规企业最高可被处以{amount}万美元罚款，并可能被剥夺出口权限。",
    "{person}{say}，{tool}的国产化率目前仍不足{pct}%，短期内难以完全替代进口。",
    "多家券商研报预计，{firm}今年的资本开支将达到{amount}亿元左右。",
    "{foreign}首席财务官在电话会上{say}，中国市场收入占比已降至{pct}%左右。",
    "调查人员发现，部分{chip}被拆成零部件，经{place}转运后再重新组装。",
    "{firm}{say}，已完成{chip}替代方案的验证，相关产品计划于{month}月量产。",
    "据统计，截至{month}月底，被列入实体清单的中国企业和机构已超过{big}家。",
    "{agency}在{month}月发布的合规指南中，要求企业加强对客户背景的尽职调查。",
    "{city}一家数据中心负责人透露，机房内约{pct}%的算力来自国产芯片。",
    "{who}估计，{place}今年进口的高端GPU数量同比增长了{pct}%。",
    "{person}提醒，企业应建立内部出口合规制度，避免因供应商受罚而被迫断供。",
    "{foreign}与{firm}的联合研发项目已于{month}月暂停，双方均未说明原因。",
    "{firm}旗下研究院{when}发布了一款基于{chip}训练的大模型，参数规模约{big}亿。",
    "{agency}{say}，将与{place}等伙伴加强出口管制信息共享与联合执法。",
    "一位不愿具名的工程师{say}，{tool}的交付周期已从{m}个月延长到{m2}个月。",
    "{firm}在{city}举行的行业大会上展示了搭载{chip}的新一代服务器。",
    "报告显示，{place}已成为{chip}转运的主要中转地之一，相关案件数量明显上升。",
    "受消息影响，{firm}股价{when}下跌{pct}%，成交额放大至{amount}亿元。",
    "据悉，{agency}已向{m}家企业发出问询函，要求说明{chip}的最终去向。",
    "{person}{say}，{month}月以来{chip}在二手市场的价格上涨了约{pct}%。",
    "{foreign}{say}，已获得向部分中国客户出口{chip}的许可，但获批数量有限。",
    "{who}{say}，{firm}去年囤积的{chip}库存足以支撑约{m}个月的训练需求。",
    "在{city}召开的座谈会上，{person}建议地方政府统筹采购国产算力。",
    "{agency}把{place}一家物流公司列入观察名单，理由是其多次转运受控物项。",
    "{firm}澄清称，网传其通过{place}子公司购买{chip}的说法与事实不符。",
    "{foreign}在{place}的代工订单{when}出现调整，{who}认为与出口许可有关。",
    "{person}测算，若管制范围扩大到{tool}，{firm}的扩产计划将推迟{m}个月以上。",
    "{firm}宣布与{city}高校共建联合实验室，重点攻关{tool}的核心零部件。",
    "{agency}重申，任何第三方协助规避管制的行为都将受到追究。",
    "{firm}{when}披露，已与{m}家海外供应商重新签订长期协议，以锁定{tool}的备件供应。",
    "有{place}贸易商坦言，近来询价{chip}的买家明显增多，但多数要求不走正规报关渠道。",
    "{agency}公布的处罚决定显示，一家{place}企业因虚报最终用户被罚款{amount}万美元。",
    "{person}在{city}接受采访时{say}，算力租赁价格在{month}月出现了明显分化。",
    "根据海关数据，{month}月中国自{place}进口的集成电路金额环比增加{pct}%。",
    "{firm}的招股书显示，其前五大供应商中有{m}家来自境外，其中包括{foreign}。",
    "行业协会{when}召开闭门会议，讨论{tool}受限后的应对方案，{firm}等企业派员参加。",
    "{who}{say}，部分订单改由{place}的关联公司下单，付款则经第三国银行完成。",
    "{foreign}的渠道商名单中，有{m}家注册地址与{city}一家电子市场相同。",
    "{agency}{when}更新了常见问题解答，明确云服务同样需要核实客户身份。",
    "在{city}的一场路演中，{firm}高管{say}，今年的算力交付量有望翻番。",
    "{person}撰文称，{chip}与国产芯片的性能差距正在缩小，但软件生态仍是短板。",
    "据{place}当地媒体报道，一家新成立的数据中心公司在{m}个月内采购了{qty}台服务器。",
    "{firm}{say}，公司没有任何产品使用{foreign}提供的{tool}，传闻不实。",
    "{agency}与{place}签署谅解备忘录，约定在芯片转运执法上开展合作。",
    "从{city}到{place}的航空货运中，申报为服务器的货物量{when}同比激增{pct}%。",
    "{person}对比了{m}款国产加速卡，发现其中两款在推理任务上接近{chip}的水平。",
    "{foreign}的年度合规报告提到，公司去年拒绝了约{big}笔可疑订单。",
    "{firm}计划在{place}设立研发中心，{who}认为此举意在拓展海外市场。",
    "{when}，{city}多家智算中心同时上调了{chip}算力的租赁报价，涨幅约{pct}%。",
    "{agency}援引情报称，有中间商以科研名义在{place}采购{chip}后转手。",
    "{firm}内部邮件显示，公司要求各事业部在{month}月底前完成出口合规自查。",
    "{person}提到，{tool}维修工程师的签证审批时间已延长至{m}周左右。",
    "{foreign}下调了全年指引，理由之一是向{place}出货的{chip}需要额外审批。",
)
_ZH_TITLES = (
    "{agency}将{n}家中国实体列入管制清单 {firm}在列",
    "{firm}追加采购{chip} 国产算力需求升温",
    "{place}查获{chip}转运案 涉案金额约{amount}万美元",
    "{foreign}获准向部分中国客户出口{chip}",
    "{tool}出口许可收紧 {firm}扩产计划或推迟",
    "{agency}拟出台新规 收紧对华{chip}出口",
    "调查：通过{place}云平台租用{chip}算力的灰色链条",
    "{firm}回应被列入实体清单：经营正常 加快国产替代",
)

_EN_FIRMS = (
    "SMIC", "Huawei", "CXMT", "YMTC", "Cambricon", "Moore Threads", "Biren Technology", "Hygon", "Enflame", "MetaX",
    "Inspur", "Sugon", "Unisoc", "Naura", "AMEC", "SMEE", "Sophgo", "Kunlunxin", "Iluvatar CoreX", "Hua Hong",
    "Alibaba Cloud", "Tencent Cloud", "ByteDance", "Baidu", "iFlytek", "SenseTime", "Lenovo", "H3C",
)
_EN_FOREIGN = (
    "Nvidia", "AMD", "Intel", "ASML", "Tokyo Electron", "Applied Materials", "Lam Research", "KLA", "Micron",
    "SK Hynix", "Samsung Electronics", "TSMC", "Super Micro", "Dell Technologies", "Synopsys", "Cadence", "Nikon",
)
_EN_AGENCIES = (
    "the Bureau of Industry and Security", "the Justice Department", "the Treasury Department", "China's Commerce Ministry",
    "China's customs administration", "the Cyberspace Administration of China", "the Dutch trade ministry",
    "Japan's trade ministry", "Singapore police", "Malaysia's trade ministry", "the European Commission",
)
_EN_CHIPS = _ZH_CHIPS[:8] + ("Ascend 910B", "Ascend 910C", "MI308")
_EN_TOOLS = (
    "immersion DUV scanners", "etch tools", "deposition equipment", "ion implanters", "metrology tools",
    "EDA software", "wafer-cleaning systems", "coater-developers", "advanced packaging tools",
)
_EN_PLACES = (
    "Singapore", "Malaysia", "Thailand", "Vietnam", "the United Arab Emirates", "Indonesia", "Japan",
    "the Netherlands", "South Korea", "India", "Saudi Arabia", "Mexico",
)
_EN_CITIES = ("Shanghai", "Beijing", "Shenzhen", "Hefei", "Wuhan", "Wuxi", "Chengdu", "Xi'an", "Nanjing", "Hangzhou")
_EN_FIRST = (
    "Anna", "David", "Li", "Wei", "Sarah", "James", "Mei", "Hiroshi", "Elena", "Rahul", "Jonas", "Grace", "Chen",
    "Omar",
)
_EN_LAST = (
    "Zhang", "Miller", "Tanaka", "Nguyen", "Schmidt", "Patel", "Wong", "Garcia", "Kim", "Levy", "Okafor", "Brennan",
)
_EN_SAY = ("said", "told reporters", "wrote in a note", "noted", "argued", "warned", "estimated", "added")
_EN_WHO = (
    "People familiar with the matter", "An industry executive", "A supply-chain source", "Analysts", "A former official",
    "Two people briefed on the plans", "A distributor in Shenzhen", "Lawyers who advise chip firms",
)
_EN_WHEN = (
    "on Tuesday", "on Thursday", "this week", "last week", "earlier this month", "late on Friday", "on Monday",
    "over the weekend",
)
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)

_EN_SENTENCES = (
    "{Agency} {when} added {n} Chinese entities to its restricted list, including {m} subsidiaries of {firm}.",
    "{Who} {say} that {firm} was negotiating to buy about {qty} {chip} units from {foreign}, with delivery expected around {month}.",
    "Customs officers in {place} {when} seized a shipment declared as computer parts that held {qty} {chip} accelerators.",
    "{Person}, an analyst, {say} the shortage of {chip} could widen over the next {m} quarters.",
    "{firm} opened a computing centre in {city} {when}, installing {qty} servers in its first phase.",
    "{foreign} {say} in a statement that it complies with all export regulations and is cooperating with {agency}.",
    "{Who} {say} servicing of {tool} has become the main bottleneck for {firm}'s expansion.",
    "Under the new rule, exports of {tool} to China need a licence, and reviews take roughly {m} months.",
    "{firm} {say} its listing would have a limited effect on operations and that it would speed up domestic substitution.",
    "Imports of {tool} into China fell {pct} percent in the first {m} months of the year, according to trade data.",
    "A broker in {city} quoted {price} dollars an hour for remote access to {chip} servers hosted in {place}.",
    "An official from {agency} {say} at a hearing that the government was weighing new limits on {chip}.",
    "{Person} {say} tighter controls were pushing companies such as {firm} to spend more on research.",
    "{firm}'s revenue rose {pct} percent in the {ordinal} quarter, with AI products making up {pct2} percent of sales.",
    "{foreign} has paused shipments to {m} distributors in {place} while it checks who the end users are, according to a report.",
    "Prosecutors allege the defendants used a shell company in {place} to buy {chip} servers worth about {amount} million dollars.",
    "The government of {place} {say} {when} it would tighten checks on transshipments of U.S.-origin chips.",
    "{firm} signed an agreement with the {city} government to invest {amount} billion yuan in packaging lines over {m} years.",
    "{Who} {say} {foreign} was developing a China-specific part designed to fall below the control thresholds.",
    "Violators face fines of up to {amount} million dollars and could lose export privileges, {agency} {say}.",
    "{Person} {say} less than {pct} percent of {tool} used in China are made domestically.",
    "Brokerage analysts expect {firm}'s capital spending to reach about {amount} billion yuan this year.",
    "The chief financial officer of {foreign} {say} China now accounts for roughly {pct} percent of revenue.",
    "Investigators found that some {chip} boards had been split into parts, routed through {place} and reassembled.",
    "{firm} {say} it had finished validating an alternative to the {chip} and planned volume production in {month}.",
    "By the end of {month}, more than {big} Chinese companies and institutes were on the Entity List.",
    "Guidance issued by {agency} in {month} asks exporters to step up due diligence on customers.",
    "The manager of a data centre in {city} {say} about {pct} percent of its computing power now runs on domestic chips.",
    "{Who} {say} imports of high-end GPUs into {place} rose {pct} percent this year.",
    "{Person} {say} companies should build internal compliance programmes so a supplier's penalty does not cut them off.",
    "A joint research project between {foreign} and {firm} was suspended in {month}, and neither side gave a reason.",
    "A research arm of {firm} released a language model trained on {chip} hardware with roughly {big} billion parameters.",
    "{Agency} {say} it would share more export-control information with partners such as {place}.",
    "An engineer who asked not to be named {say} lead times for {tool} had stretched from {m} to {m2} months.",
    "At a trade show in {city}, {firm} displayed a new server built around the {chip}.",
    "A report {say} {place} has become a major transit point for {chip} shipments, with cases rising sharply.",
    "Shares of {firm} fell {pct} percent {when}, with turnover climbing to {amount} billion yuan.",
    "{Agency} has sent inquiries to {m} companies asking where their {chip} hardware ended up, people familiar {say}.",
    "{Person} {say} prices of used {chip} cards have risen about {pct} percent since {month}.",
    "{foreign} {say} it had received licences to ship {chip} to some Chinese customers, but in limited numbers.",
    "{Who} {say} {firm} stockpiled enough {chip} last year to cover about {m} months of training.",
    "At a meeting in {city}, {Person} urged local governments to pool purchases of domestic computing power.",
    "{Agency} put a logistics company in {place} on a watch list after repeated shipments of controlled items.",
    "{firm} denied reports that it had bought {chip} through a subsidiary in {place}.",
    "Orders placed by {foreign} with contract manufacturers in {place} were reshuffled {when}, which {Who2} tied to licensing.",
    "If controls are extended to {tool}, {firm}'s expansion could slip by {m} months or more, {Person} estimated.",
    "{firm} and a university in {city} set up a joint laboratory to develop key parts for {tool}.",
    "{Agency} repeated that anyone helping others evade the controls would be held accountable.",
    "{firm} {say} {when} it had signed long-term deals with {m} overseas suppliers to secure spare parts for {tool}.",
    "A trader in {place} {say} more buyers were asking for {chip} cards, most of them wanting to avoid formal customs filings.",
    "A penalty notice from {agency} showed a company in {place} was fined {amount} thousand dollars for misstating an end user.",
    "Speaking in {city}, {Person} {say} rental prices for computing power had started to diverge in {month}.",
    "Customs figures show China's chip imports from {place} rose {pct} percent in {month} from the previous month.",
    "{firm}'s listing prospectus shows that {m} of its five largest suppliers are foreign, including {foreign}.",
    "An industry group met behind closed doors {when} to discuss how to cope without {tool}, with {firm} among those attending.",
    "{Who} {say} some orders were now placed by affiliates in {place}, with payment routed through banks in a third country.",
    "{m} of the distributors on {foreign}'s reseller list share a registered address with an electronics market in {city}.",
    "{Agency} updated its frequently asked questions {when}, saying cloud services must also verify who their customers are.",
    "At an investor event in {city}, an executive of {firm} {say} deliveries of computing power could double this year.",
    "In a commentary, {Person} {say} the gap between {chip} and domestic chips was narrowing but software remained a weakness.",
    "A newly formed data-centre company in {place} bought {qty} servers within {m} months, local media reported.",
    "{firm} {say} none of its products used {tool} supplied by {foreign}, calling the reports false.",
    "{Agency} and {place} signed a memorandum of understanding on cooperation against chip transshipment.",
    "Air cargo declared as servers on routes from {city} to {place} jumped {pct} percent {when}, freight data show.",
    "{Person} compared {m} domestic accelerator cards and found two of them close to the {chip} on inference work.",
    "{foreign}'s annual compliance report says the company turned down about {big} suspicious orders last year.",
    "{firm} plans a research centre in {place}, a move {Who2} read as a push into overseas markets.",
    "Several computing centres in {city} raised rental prices for {chip} capacity by about {pct} percent {when}.",
    "{Agency} cited intelligence that middlemen were buying {chip} in {place} in the name of research and reselling them.",
    "An internal email at {firm} told business units to finish an export-compliance review by the end of {month}.",
    "{Person} {say} visa approvals for engineers who service {tool} now take about {m} weeks.",
    "{foreign} cut its full-year outlook, citing extra approvals needed for {chip} shipments to {place}.",
)
_EN_TITLES = (
    "{Agency} adds {n} Chinese entities to restricted list, including {firm} units",
    "{firm} steps up purchases of {chip} as demand for domestic computing grows",
    "{place} seizes {chip} shipment in suspected transshipment case",
    "{foreign} wins licences to sell {chip} to some Chinese customers",
    "Tighter licensing for {tool} could delay {firm}'s expansion",
    "Washington weighs new curbs on {chip} exports to China",
    "Inside the trade in renting {chip} servers through {place}",
    "{firm} says Entity List move will not disrupt operations",
)


def generated_page_path(i: int) -> str:
    """URL path of generated article `i` (1-based)."""
    return f"/gen/{i:06d}.html"


def _generated_lang(i: int) -> str:
    return "zh" if i % 5 < 3 else "en"


def _generated_date(i: int) -> date:
    return date(2025, 1, 1) + timedelta(days=(i * 7919) % 450)  # 2025-01-01 .. 2026-03-26


def _fill(template: str, rng: random.Random, lang: str) -> str:
    """Fill a bank sentence's slots; each slot drawn afresh, so repeated templates still differ."""
    if lang == "zh":
        values = {
            "agency": rng.choice(_ZH_AGENCIES), "firm": rng.choice(_ZH_FIRMS), "foreign": rng.choice(_ZH_FOREIGN),
            "chip": rng.choice(_ZH_CHIPS), "tool": rng.choice(_ZH_TOOLS), "place": rng.choice(_ZH_PLACES),
            "city": rng.choice(_ZH_CITIES), "say": rng.choice(_ZH_SAY), "who": rng.choice(_ZH_WHO),
            "when": rng.choice(_ZH_WHEN),
            "person": rng.choice(_ZH_SURNAMES) + "".join(rng.sample(_ZH_GIVEN, rng.choice((1, 2)))),
            "month": str(rng.randint(1, 12)), "q": "一二三四"[rng.randrange(4)],
        }
    else:
        agency = rng.choice(_EN_AGENCIES)
        values = {
            "agency": agency, "Agency": agency[0].upper() + agency[1:], "firm": rng.choice(_EN_FIRMS),
            "foreign": rng.choice(_EN_FOREIGN), "chip": rng.choice(_EN_CHIPS),
            "tool": rng.choice(_EN_TOOLS), "place": rng.choice(_EN_PLACES), "city": rng.choice(_EN_CITIES),
            "say": rng.choice(_EN_SAY), "Who": rng.choice(_EN_WHO), "Who2": rng.choice(_EN_WHO).lower(),
            "when": rng.choice(_EN_WHEN), "Person": f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}",
            "month": rng.choice(_EN_MONTHS), "ordinal": rng.choice(("first", "second", "third", "fourth")),
        }
    m = rng.randint(2, 9)
    values.update(
        n=str(rng.randint(3, 48)), m=str(m), m2=str(m + rng.randint(3, 12)), qty=f"{rng.randint(2, 400) * 50:,}",
        pct=str(rng.randint(3, 68)), pct2=str(rng.randint(5, 45)), price=f"{rng.randint(15, 380) / 10:.1f}",
        amount=str(rng.randint(2, 950)), big=str(rng.randint(7, 160) * 10),
    )
    return template.format(**values)


def generated_article(i: int, seed: int = 0) -> tuple[str, str, str, list[str]]:
    """(lang, headline, ISO date, paragraphs) of generated article `i`: deterministic per (i, seed)."""
    rng = random.Random(f"chipwatch-bench:{seed}:{i}")
    lang = _generated_lang(i)
    bank, titles = (_ZH_SENTENCES, _ZH_TITLES) if lang == "zh" else (_EN_SENTENCES, _EN_TITLES)
    headline = _fill(rng.choice(titles), rng, lang)
    count = rng.randint(24, 34) if lang == "zh" else rng.randint(20, 30)
    sentences = [_fill(t, rng, lang) for t in rng.sample(bank, count)]
    paragraphs: list[str] = []
    while sentences:
        take = rng.randint(2, 4)
        joiner = "" if lang == "zh" else " "
        paragraphs.append(joiner.join(sentences[:take]))
        sentences = sentences[take:]
    published = f"{_generated_date(i).isoformat()}T{rng.randint(6, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}:00+08:00"
    return lang, headline, published, paragraphs


def _html_escape(text: str) -> str:
    return xml_escape(text, {'"': "&quot;"})


def _generated_page_html(i: int, n: int, seed: int, base_url: str) -> str:
    """A complete article page in the demo site's layout, with teasers to neighbouring pages."""
    lang, headline, published, paragraphs = generated_article(i, seed)
    site = "芯闻示例网" if lang == "zh" else "Chipwatch Demo News"
    url = base_url + generated_page_path(i)
    neighbours = [j for j in (i - 2, i - 1, i + 1, i + 2) if 1 <= j <= n]
    teasers = "\n".join(
        f'      <li><a href="{generated_page_path(j)}">{_html_escape(generated_article(j, seed)[1])}</a></li>'
        for j in neighbours
    )
    body = "\n".join(f"    <p>{_html_escape(p)}</p>" for p in paragraphs)
    byline = f"记者 {seed}-{i:06d}" if lang == "zh" else f"Staff reporter, desk {i % 17}"
    related = "热门推荐" if lang == "zh" else "Related"
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<title>{_html_escape(headline)} - {site}</title>
<meta name="description" content="{_html_escape(paragraphs[0][:120])}">
<link rel="canonical" href="{url}">
<meta property="og:title" content="{_html_escape(headline)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}">
</head>
<body>
<header><a href="/">{site}</a> <nav><a href="/">Home</a> <a href="/sitemap.xml">Sitemap</a></nav></header>
<main>
<article>
  <h1>{_html_escape(headline)}</h1>
  <p class="meta"><time datetime="{published}">{published[:10]}</time> {byline}</p>
  <div class="article-body">
{body}
  </div>
</article>
</main>
<aside><h3>{related}</h3>
  <ul>
{teasers}
  </ul>
</aside>
<footer>Copyright &copy; 2026 Chipwatch Demo News (generated benchmark page {i} of {n})</footer>
</body>
</html>
"""


class _GeneratedSite:
    """N synthetic articles at /gen/NNNNNN.html, built on request, and a sitemap listing them all."""

    def __init__(self, n: int, seed: int, base_url: str) -> None:
        self.n, self.seed, self.base_url = n, seed, base_url

    def reply(self, path: str) -> Reply | None:
        match = re.fullmatch(r"/gen/(\d{6})\.html", path)
        if match and 1 <= int(match.group(1)) <= self.n:
            text = _generated_page_html(int(match.group(1)), self.n, self.seed, self.base_url)
            return bytes_reply(text.encode("utf-8"), "text/html; charset=utf-8")
        if path == "/robots.txt":
            text = f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.base_url}/sitemap.xml\n"
            return bytes_reply(text.encode(), "text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            return bytes_reply(self._sitemap_root(), "application/xml; charset=utf-8")
        match = re.fullmatch(r"/sitemaps/gen-(\d+)\.xml", path)
        if match and self.n > SITEMAP_LIMIT:
            part = int(match.group(1))
            first = part * SITEMAP_LIMIT + 1
            if first <= self.n:
                numbers = range(first, min(first + SITEMAP_LIMIT, self.n + 1))
                return bytes_reply(self._urlset(numbers), "application/xml; charset=utf-8")
        if path == "/":
            links = "".join(
                f'<li><a href="{generated_page_path(i)}">{i}</a></li>\n' for i in range(1, min(self.n, 50) + 1)
            )
            text = (
                '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Generated site</title></head>\n'
                f"<body><ul>\n{links}</ul></body></html>\n"
            )
            return bytes_reply(text.encode(), "text/html; charset=utf-8")
        return None

    def _sitemap_root(self) -> bytes:
        if self.n <= SITEMAP_LIMIT:
            return self._urlset(range(1, self.n + 1))
        parts = (self.n + SITEMAP_LIMIT - 1) // SITEMAP_LIMIT
        entries = "".join(
            f"  <sitemap><loc>{self.base_url}/sitemaps/gen-{k}.xml</loc></sitemap>\n" for k in range(parts)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n'
        ).encode()

    def _urlset(self, numbers: range) -> bytes:
        entries = "".join(
            f"  <url><loc>{self.base_url}{generated_page_path(i)}</loc>"
            f"<lastmod>{_generated_date(i).isoformat()}</lastmod></url>\n"
            for i in numbers
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
        ).encode()


@contextlib.contextmanager
def serve_generated_site(
    n: int, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0, verbose: bool = False
) -> Iterator[str]:
    """Serve `n` generated articles (/gen/000001.html ...) plus /sitemap.xml and /robots.txt; yield the base URL.

    Pages are about 60% Simplified Chinese and 40% English, 2-5 KB of text each, built from a
    sentence bank with a seeded RNG: the same (n, seed) always gives the same bytes, and no two
    pages are near-duplicates. Above 50,000 pages /sitemap.xml is a sitemap index.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    with serve(lambda base: _GeneratedSite(n, seed, base), host, port, verbose) as base_url:
        yield base_url


def generated_sources_toml(n: int) -> str:
    """A sources TOML (relative URLs, for base_url) with the one source that crawls the generated site."""
    return f"""# Benchmark source: {n} generated articles, discovered through one sitemap.
[[source]]
id = "bench-sitemap"
name = "Chipwatch generated benchmark site ({n} pages)"
lang = "zh"
homepage = "/"
feeds = []
sitemaps = ["/sitemap.xml"]
sections = []
article_pattern = '/gen/\\d{{6}}\\.html$'
official = false
encoding = ""
enabled = true
notes = "Generated by bench.sitegen.serve_generated_site: 60% zh, 40% en; lang is the majority language."
"""


def main(argv: list[str] | None = None) -> int:
    """Serve N generated articles until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m bench.sitegen", description=main.__doc__)
    parser.add_argument("n", type=int, help="how many articles")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind [127.0.0.1]")
    parser.add_argument("--port", type=int, default=0, help="port [0: any free port]")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    try:
        with serve_generated_site(args.n, args.host, args.port, verbose=args.verbose) as base_url:
            print(f"Serving {args.n} generated articles at {base_url}/ (Ctrl-C to stop)", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
