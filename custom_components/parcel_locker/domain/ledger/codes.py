"""The code book: live codes as keyed hashes. The security-sensitive part.

Rules kept here, in one small module, so they can be reviewed on their own:

* A code is ``secrets``-random digits. Only ``HMAC-SHA256(install key, code)`` is
  stored; the plaintext is returned once, when the code is issued.
* Redeeming hashes the entered text and compares it with every stored digest using
  ``hmac.compare_digest``, without stopping at the first match, so the time taken
  says nothing about which (or whether a) code matched.
* Digests are unique: a freshly drawn code that collides with a live one is drawn
  again, so a code always names exactly one compartment.
* Wrong codes are counted by the hub's guard (``domain.guard``), per source,
  before any ledger is asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from ..sizes import Size
from .model import CODE_LENGTH_MAX, CODE_LENGTH_MIN, CodeKind, iso

MIN_KEY_BYTES = 16
_DIGEST_CONTEXT = b"parcel_locker/code/v1:"
_KEY_CHECK_CONTEXT = b"parcel_locker/key-check/v1"
_DRAW_ATTEMPTS = 1000
# Separators people type when a code is shown grouped ("1234 5678", "1234-5678").
_SEPARATORS = str.maketrans("", "", " -\t")

QR_SCHEME = "parcel-locker"
_QR_ACTION = {
    CodeKind.PICKUP: "pickup",
    CodeKind.RETURN: "collect",
    CodeKind.COURIER: "dropoff",
    CodeKind.SHARE: "pickup",
}


KEYPAD_CODE_LIMIT = 2**32


def normalise_code(entered: object) -> str | None:
    """The digits of an entered code, or None when it cannot be a code at all.

    Only ASCII digits count (``str.isdigit`` alone accepts other scripts' digits),
    and the length must be within the range any code may have been issued with:
    a code issued with 8 digits stays valid after the option changes to 6.
    """
    if not isinstance(entered, str):
        return None
    digits = entered.strip().translate(_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()):
        return None
    if not CODE_LENGTH_MIN <= len(digits) <= CODE_LENGTH_MAX:
        return None
    return digits


def qr_payload(kind: CodeKind, wall: str, compartment: str | None, code: str) -> str:
    """The URI a QR code carries, e.g. ``parcel-locker://pickup?wall=..&compartment=A-07&code=..``.

    A courier code names no compartment (one is chosen when it is redeemed).
    """
    query: dict[str, str] = {"wall": wall}
    if compartment is not None:
        query["compartment"] = compartment
    query["code"] = code
    return f"{QR_SCHEME}://{_QR_ACTION[kind]}?{urlencode(query)}"


@dataclass(slots=True)
class StoredCode:
    """A live code as the ledger keeps it: a digest and what it grants, never the code.

    For a courier code, ``size``, ``recipient`` and ``carrier`` describe the parcel
    that redeeming it creates, and ``uses_left`` counts the drop-offs still allowed.
    """

    code_id: str
    kind: CodeKind
    digest: str = field(repr=False)
    wall: str
    parcel_id: str | None
    issued: datetime
    valid_from: datetime
    expires: datetime
    uses_left: int = 1
    size: Size = Size.S
    recipient: str | None = None
    carrier: str | None = None

    def public(self) -> dict[str, Any]:
        """What may be listed (no digest)."""
        return {
            "code_id": self.code_id,
            "kind": str(self.kind),
            "wall": self.wall,
            "parcel_id": self.parcel_id,
            "valid_from": iso(self.valid_from),
            "expires": iso(self.expires),
            "uses_left": self.uses_left,
        }


class CodeBook:
    """The live codes and the key that hashes them.

    The key never leaves this object: not in ``to_dict``, not in ``repr``.
    """

    __slots__ = ("_codes", "_key")

    def __init__(self, secret_key: bytes) -> None:
        """Keep the per-install key; refuse one too short to be a secret."""
        if (
            not isinstance(secret_key, bytes | bytearray)
            or len(secret_key) < MIN_KEY_BYTES
        ):
            raise ValueError(f"secret_key must be at least {MIN_KEY_BYTES} bytes")
        self._key = bytes(secret_key)
        self._codes: dict[str, StoredCode] = {}

    def __repr__(self) -> str:
        """Say how many codes there are, nothing more."""
        return f"CodeBook(codes={len(self._codes)})"

    def __iter__(self) -> Iterator[StoredCode]:
        """The live codes, oldest first."""
        return iter(list(self._codes.values()))

    def __len__(self) -> int:
        """Number of live codes."""
        return len(self._codes)

    def get(self, code_id: str) -> StoredCode | None:
        """A code by id."""
        return self._codes.get(code_id)

    @property
    def key_check(self) -> str:
        """A fingerprint of the key: a ledger read with another key is noticed.

        An HMAC of a constant: it reveals nothing about the key.
        """
        return hmac.new(self._key, _KEY_CHECK_CONTEXT, hashlib.sha256).hexdigest()[:16]

    def digest(self, code: str) -> str:
        """The keyed hash stored for a code."""
        return hmac.new(
            self._key, _DIGEST_CONTEXT + code.encode("ascii"), hashlib.sha256
        ).hexdigest()

    def draw(self, length: int) -> tuple[str, str]:
        """A new random code and its digest, unique among the live codes."""
        taken = {stored.digest for stored in self._codes.values()}
        for _ in range(_DRAW_ATTEMPTS):
            # The keypad register carries a code as uint32: a 10-digit code is
            # drawn below 2**32 so every code can be typed at the wall.
            code = f"{secrets.randbelow(min(10**length, KEYPAD_CODE_LIMIT)):0{length}d}"
            digest = self.digest(code)
            if digest not in taken:
                return code, digest
        # 10**6 codes at the shortest length: only a book with hundreds of
        # thousands of live codes gets here.
        raise RuntimeError("no unused code left")  # pragma: no cover

    def new_code_id(self) -> str:
        """A short unique id for listing and revoking a code (not secret)."""
        while True:
            code_id = secrets.token_hex(4)
            if code_id not in self._codes:
                return code_id

    def add(self, stored: StoredCode) -> None:
        """Store a code."""
        self._codes[stored.code_id] = stored

    def remove(self, code_id: str) -> StoredCode | None:
        """Forget a code."""
        return self._codes.pop(code_id, None)

    def for_parcel(self, parcel_id: str) -> list[StoredCode]:
        """The codes bound to a parcel."""
        return [
            stored for stored in self._codes.values() if stored.parcel_id == parcel_id
        ]

    def match(self, code: str, wall: str | None) -> StoredCode | None:
        """The live code equal to ``code`` (on ``wall``, when given), in constant time.

        Every stored digest is compared, whatever the wall, and the loop never
        stops early: the time taken does not depend on which code matched.
        """
        entered = self.digest(code)
        found: StoredCode | None = None
        for stored in self._codes.values():
            same = hmac.compare_digest(entered, stored.digest)
            if same and (wall is None or stored.wall == wall):
                found = stored
        return found

    def restore(self, codes: dict[str, StoredCode]) -> None:
        """Take the codes read from storage."""
        self._codes = codes
