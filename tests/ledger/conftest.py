"""Fixtures for the ledger tests: a fixed clock, a key, two walls."""

from __future__ import annotations

import pytest

from custom_components.parcel_locker.domain.ledger import Ledger, LedgerSettings

from .helpers import make_ledger


@pytest.fixture
def settings() -> LedgerSettings:
    return LedgerSettings()


@pytest.fixture
def ledger(settings: LedgerSettings) -> Ledger:
    return make_ledger(settings)
