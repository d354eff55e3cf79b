"""Tests of the parcel ledger (pure Python, no Home Assistant)."""
