"""Test helpers the tests import: hostile HTTP servers and pages (hostile.py), kill -9 and disk-full campaigns (faults.py)."""
