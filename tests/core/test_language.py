"""core.language: Chinese (both scripts) vs English vs others, on short and mixed texts."""

from __future__ import annotations

import time

import pytest

from core.language import detect_language, is_traditional, normalise_tag

SIMPLIFIED = "美国商务部宣布扩大对中国半导体出口管制，台湾厂商表示正在评估影响。"
TRADITIONAL = "美國商務部宣布擴大對中國半導體出口管制，台灣廠商表示正在評估影響。"
ENGLISH = "The US Commerce Department expanded export controls on advanced chips sold to China this week."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SIMPLIFIED, "zh"),
        (TRADITIONAL, "zh-Hant"),
        (ENGLISH, "en"),
        # Chinese text full of Latin product names is still Chinese
        ("英伟达H20芯片需要出口许可证，AMD MI308也受影响，Nvidia股价下跌。", "zh"),
        # an English sentence quoting a Chinese name is still English
        ("Huawei (华为) said on Monday that the new rules would not affect its phone business at all.", "en"),
        ("東京は日本の首都です。半導体の輸出規制について。", "ja"),
        ("반도체 수출 규제에 관한 기사입니다", "ko"),
        ("Министерство торговли США расширило экспортный контроль", "ru"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_hint_decides_short_or_empty_text():
    assert detect_language("", hint="zh-CN") == "zh"
    assert detect_language("", hint="zh-TW") == "zh-Hant"
    assert detect_language("AI", hint="en-US") == "en"
    assert detect_language("12345 !!!") == "und"
    assert detect_language("") == "und"


def test_short_chinese_words_are_enough():
    assert detect_language("芯片") == "zh"
    assert detect_language("晶片禁令擴大") == "zh-Hant"
    # 晶片禁令 is Taiwanese wording, but every character is the same in both scripts
    assert detect_language("晶片禁令") == "zh"


def test_hint_does_not_override_clear_text():
    assert detect_language(SIMPLIFIED, hint="en") == "zh"
    assert detect_language(ENGLISH, hint="zh-CN") == "en"


def test_hint_breaks_a_tie():
    mixed = "出口管制 export control"  # 4 Han characters against 13 Latin letters: about even
    assert detect_language(mixed, hint="zh-CN") == "zh"
    assert detect_language(mixed, hint="en") == "en"


def test_hint_names_a_latin_language_that_is_not_english():
    french = "Le ministère américain du Commerce a élargi les contrôles sur les puces vendues en Chine " * 3
    assert detect_language(french) == "und"
    assert detect_language(french, hint="fr-FR") == "fr"


def test_is_traditional():
    assert is_traditional(TRADITIONAL)
    assert not is_traditional(SIMPLIFIED)
    assert not is_traditional(ENGLISH)
    assert not is_traditional("")


def test_characters_shared_by_both_scripts_do_not_count():
    # 台, 后, 里, 面, 只 are written the same in Traditional text; OpenCC would still convert them
    assert not is_traditional("台后里面只")
    assert is_traditional("皇后住在宮裡")
    assert not is_traditional("皇后住在宫里")


def test_mixed_scripts_follow_the_majority():
    assert detect_language(TRADITIONAL * 3 + SIMPLIFIED) == "zh-Hant"
    assert detect_language(SIMPLIFIED * 3 + TRADITIONAL) == "zh"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("zh-CN", "zh"), ("zh-cmn-Hans", "zh"), ("zh_TW", "zh-Hant"), ("zh-Hant-HK", "zh-Hant"), ("EN-us", "en"), ("", None), ("??", None)],
)
def test_normalise_tag(hint, expected):
    assert normalise_tag(hint) == expected


def test_long_texts_are_sampled_and_fast():
    long_text = SIMPLIFIED * 20000  # about 700,000 characters
    detect_language(long_text)  # first call converts the characters it has not seen
    started = time.perf_counter()
    for _ in range(10):
        assert detect_language(long_text) == "zh"
    assert (time.perf_counter() - started) / 10 < 0.05
