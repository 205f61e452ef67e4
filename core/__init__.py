"""The bottom layer: what several stages need, written once. It imports nothing else of chipwatch.

- `script`: Han characters, and the one Traditional → Simplified fold (one character for one)
  that extraction, language detection, the knowledge base, the event rules and the search index share.
- `language`: language tags (`zh-TW` → `zh-Hant`) and language detection (zh, zh-Hant, en, …).
- `names`: the lookup key of an organisation's name (the knowledge base and the sanctions lists agree on it).
- `vocab`: event types and circumvention mechanisms, the stored and printed values.
- `records`: the typed records that cross stages (an article to store; the mentions, events and
  analysis of one article).
- `csl`: the US Consolidated Screening List format, rows in, entries out.
- `urls`: one spelling per story URL.

The import contract (tests/test_layers.py, import-linter) keeps it at the bottom: crawler, nlp, db,
alerts and the CLI may import it, it imports none of them.
"""
