"""Fixtures for the ledger tests: a fixed clock, a key, two walls."""

from __future__ import annotations

from pathlib import Path
import sys

# The ledger is pure Python and tested without Home Assistant; make the repository
# root importable even when the suite's top-level test package is not set up.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import pytest  # noqa: E402

from custom_components.parcel_locker.ledger import Ledger, LedgerSettings  # noqa: E402

from .helpers import make_ledger  # noqa: E402


@pytest.fixture
def settings() -> LedgerSettings:
    return LedgerSettings()


@pytest.fixture
def ledger(settings: LedgerSettings) -> Ledger:
    return make_ledger(settings)
