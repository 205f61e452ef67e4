"""The article-level relevance decision (nlp/events/relevance.py): headline and lead are read
whatever their words, and the article head, not a trigger word, decides."""

import numpy as np

from core.vocab import EVENT_TYPES
from nlp.events.extract import assemble, candidates
from nlp.events.relevance import FEATURES, ArticleHead, article_features, fit_logistic, passages

TEXT = "Washington moves against chip-design software. The measure covers all of China. Shares fell."


def test_headline_and_lead_are_passages_whatever_their_words():
    found = passages(TEXT, "US bans sales of EDA tools to Chinese firms", "en", [], set())
    assert found[0].is_headline and found[0].start == -1
    assert [p.text for p in found[1:]] == ["Washington moves against chip-design software.", "The measure covers all of China.", "Shares fell."]
    assert not any(p.is_headline for p in found[1:])


def test_a_text_that_starts_with_its_headline_has_no_second_headline():
    text = "美国将12家中国企业列入实体清单\n\n美国商务部周一宣布了这一决定。"
    found = passages(text, "美国将12家中国企业列入实体清单", "zh", [], set())
    assert [p.start for p in found if p.is_headline] == [0]
    assert found[0].model_text == found[0].folded


def test_lead_sentences_already_candidates_are_not_scored_twice():
    text = "The US added Huawei to the Entity List. Shares fell. Analysts shrugged."
    starts = {c.start for c in candidates(text, "en", [])}
    assert 0 in starts
    found = passages(text, "A headline", "en", [], starts)
    assert [p.start for p in found] == [-1, text.index("Shares"), text.index("Analysts")]


def test_logistic_fit_by_lbfgs_separates_and_the_head_round_trips():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, len(FEATURES)))
    y = (x[:, 2] > 0).astype(float)
    w, b = fit_logistic(x, y, l2=1e-3)
    head = ArticleHead(w, b, threshold=0.5)
    assert ((head.probability(x) >= 0.5) == (y > 0)).mean() > 0.95
    again = ArticleHead.from_meta(head.to_meta())
    assert again is not None and np.allclose(again.probability(x), head.probability(x), atol=1e-4)
    assert ArticleHead.from_meta({**head.to_meta(), "features": ["other"]}) is None


def _headline_head() -> ArticleHead:
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("headline max")] = 10.0
    return ArticleHead(weights, -5.0, threshold=0.5)


def test_an_article_with_no_trigger_sentence_is_relevant_when_its_headline_says_so():
    items = passages(TEXT, "US bans sales of EDA tools to Chinese firms", "en", [], set())
    passage_probs = np.full((len(items), len(EVENT_TYPES)), 0.05)
    passage_probs[0, EVENT_TYPES.index("export_restriction")] = 0.95  # the headline
    passage_probs[2, EVENT_TYPES.index("export_restriction")] = 0.30  # "The measure covers all of China."
    document = {"text": TEXT, "language": "en", "entities": []}
    result = assemble(document, [], items, (np.zeros((0, len(EVENT_TYPES))), passage_probs, 0.5, "max", _headline_head()))
    assert result["relevant"] and result["relevance"] > 0.9
    [event] = result["events"]
    assert event.type == "export_restriction" and event.evidence == "The measure covers all of China."  # the headline is never evidence


def test_the_article_head_can_veto_a_sentence_over_the_threshold():
    text = "Nvidia will buy more H100 for its own cloud, a blogger speculated."
    found = candidates(text, "en", [])
    probs = np.zeros((len(found), len(EVENT_TYPES)))
    probs[:, EVENT_TYPES.index("chip_procurement")] = 0.7
    items = passages(text, "Ten gadgets to buy", "en", [], {c.start for c in found})
    result = assemble({"text": text, "language": "en", "entities": []}, found, items, (probs, np.zeros((len(items), len(EVENT_TYPES))), 0.5, "max", _headline_head()))
    assert result == {"relevant": False, "relevance": result["relevance"], "events": []} and result["relevance"] < 0.1


def test_features_are_named_one_to_one():
    items = passages(TEXT, "", "en", [], set())
    assert article_features(np.zeros((0, len(EVENT_TYPES))), np.zeros((len(items), len(EVENT_TYPES))), items, [], "en", 3, []).shape == (len(FEATURES),)


def test_the_multilingual_e5_encoder_reads_chinese_and_english():
    from nlp.events.model import load_encoder

    encoder = load_encoder("e5")
    vectors = encoder.encode(["美國商務部將12家中國企業列入實體清單。", "美国商务部将12家中国企业列入实体清单。", "The weather was fine."])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert encoder.encode([]).shape == (0, 384)
