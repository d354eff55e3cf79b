"""The parcel ledger: the locker's memory and the state machine of a delivery."""

from .core import *  # noqa: F403
from .core import __all__  # noqa: F401
