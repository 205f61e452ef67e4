"""Alerts: watches (saved searches), matching new articles, composing and delivering emails, the report.

Watches, recipients and the outbox live in their own SQLite file beside the main database
(chipwatch.db → chipwatch.alerts.db), which `chipwatch serve` does not serve: analysts'
addresses are not public. The main database is only read.
"""
