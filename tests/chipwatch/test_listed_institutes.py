"""A fresh database flags the Chinese universities and institutes on the Entity List by full and short name (`chipwatch analyze`)."""

import json
import subprocess
import sys

import pytest

CASES = [
    # (sentence, the name in it, flagged?)
    ("北航的研究人员发表了一篇新论文。", "北航", True),
    ("北京航空航天大学今年扩大了招生。", "北京航空航天大学", True),
    ("哈爾濱工業大學與美國大學的合作已經暫停。", "哈爾濱工業大學", True),
    ("哈工大和西工大的团队参加了比赛。", "哈工大", True),
    ("哈工大和西工大的团队参加了比赛。", "西工大", True),  # the NER span 西工大的团队 runs past the name; the screening automaton finds it
    ("西工大的研究人员发表了一篇新论文。", "西工大", True),
    ("哈工程的学生获得了奖项。", "哈工程", True),
    ("南理工发布了新的招生简章。", "南理工", True),
    ("國防科大研製的超級電腦再次升級。", "國防科大", True),
    ("川大与电子科大签署了合作协议。", "川大", True),
    ("川大与电子科大签署了合作协议。", "电子科大", True),
    ("中物院公布了今年的招聘计划。", "中物院", True),
    ("中国电子科技集团公司第五十四研究所承担了卫星通信项目。", "中国电子科技集团公司第五十四研究所", True),
    ("中国电科54所的专家出席了会议。", "中国电科54所", True),
    ("北京邮电大学的实验室采购了一批服务器。", "北京邮电大学", True),
    ("国家超级计算长沙中心完成了系统升级。", "国家超级计算长沙中心", True),
    # not on any list: must stay unflagged
    ("北京大学的研究人员发表了一篇新论文。", "北京大学", False),
    ("清华大学今年扩大了招生。", "清华大学", False),
]


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("fresh") / "fresh.db"
    lines = "".join(json.dumps({"id": i, "text": text, "lang": "zh"}, ensure_ascii=False) + "\n" for i, (text, _, _) in enumerate(map(_values, CASES)))
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "analyze", "--jsonl", "--db", str(db_path)], input=lines, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _values(case):
    return case.values if hasattr(case, "values") else case


@pytest.mark.parametrize("number", [pytest.param(i, marks=getattr(c, "marks", ())) for i, c in enumerate(CASES)],
                         ids=[f"{_values(c)[1]}-{'listed' if _values(c)[2] else 'unlisted'}" for c in CASES])
def test_listed_universities_and_institutes_are_flagged_by_full_and_short_name(analyzed, number):
    text, name, listed = _values(CASES[number])
    start = text.index(name)
    end = start + len(name)
    over = [e for e in analyzed[number]["entities"] if e["start"] < end and start < e["end"]]
    lists = {s["list"] for e in over for s in e.get("sanctions", [])}
    if listed:
        assert any("Entity List" in item for item in lists), (name, over)
    else:
        assert not lists, (name, over)
