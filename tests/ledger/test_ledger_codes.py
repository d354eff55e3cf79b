"""Codes: hashing, secrecy, expiry, one-time use, and the keypad lock-out."""

from __future__ import annotations

from datetime import timedelta
import hashlib
import hmac
import json
from typing import Any

import pytest

from custom_components.parcel_locker.domain.ledger import (
    CodeKind,
    CodeRejectedError,
    CodeRejection,
    DomainEvent,
    EventType,
    Ledger,
    LedgerError,
    LedgerSettings,
    ParcelState,
    codes as ledger_codes,
)
from custom_components.parcel_locker.domain.ledger.codes import CodeBook, normalise_code
from custom_components.parcel_locker.domain.ledger.persistence import (
    audit_entry_to_dict,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import KEY, T0, deliver, dump, make_ledger, pick_up, sec


def wrong_code(
    ledger: Ledger, wall: str | None, now: Any, code: str = "00000000"
) -> CodeRejectedError:
    with pytest.raises(CodeRejectedError) as err:
        ledger.redeem(code, wall, now)
    return err.value


# --------------------------------------------------------------------- secrecy


def test_code_stored_only_as_keyed_hash(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    data = ledger.to_dict()
    text = json.dumps(data)
    assert code not in text
    assert KEY.decode() not in text
    [stored] = data["codes"]
    expected = hmac.new(
        KEY, b"parcel_locker/code/v1:" + code.encode(), hashlib.sha256
    ).hexdigest()
    assert stored["digest"] == expected
    assert stored["parcel_id"] == parcel.parcel_id
    assert stored["kind"] == "pickup"
    # The same code under another key gives another digest.
    assert CodeBook(b"another-key-0123456789").digest(code) != expected


def test_plaintext_never_in_repr_audit_or_lists(ledger: Ledger) -> None:
    parcel = ledger.assign("person.bob", Size.S, "DHL", None, False, None, T0)
    ledger.door_opened("A", parcel.number, T0)
    events = ledger.door_closed("A", parcel.number, T0 + sec(1))
    assert events[0].issued is not None
    code = events[0].issued.code
    issued = ledger.issue_code(parcel.parcel_id, T0 + sec(2))
    courier = ledger.issue_code(None, T0, wall="A")
    secrets_ = [code, issued.code, courier.code]
    texts = [
        repr(events),
        repr(events[0]),
        str(events[0]),
        repr(issued),
        repr(courier),
        repr(ledger),
        repr(ledger._book),
        repr(list(ledger._book)),
        repr(ledger.audit_trail()),
        json.dumps([audit_entry_to_dict(entry) for entry in ledger.audit_trail()]),
        json.dumps(ledger.list_parcels(include_finished=True)),
        json.dumps(ledger.list_codes()),
        dump(ledger),
        repr(ledger.parcel(parcel.parcel_id)),
        repr(ledger.compartment("A", parcel.number)),
        json.dumps(events[0].data),
    ]
    for text in texts:
        for secret in secrets_:
            assert secret not in text
    # The event's data (what reaches the bus) has no code; it travels beside it.
    assert "code" not in events[0].data
    assert "qr" not in events[0].data
    # An error never carries a code either.
    err = wrong_code(ledger, "A", T0, code="12345678")
    assert "12345678" not in str(err)
    assert "12345678" not in repr(err.placeholders)


def test_event_repr_is_plain() -> None:
    event = DomainEvent("overdue", {"parcel_id": "x"})
    assert repr(event) == "DomainEvent(type='overdue', data={'parcel_id': 'x'})"


def test_codes_compared_in_constant_time(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, code = deliver(ledger)
    ledger.issue_code(None, T0, wall="A")
    ledger.issue_code(None, T0, wall="B")
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(left: str, right: str) -> bool:
        calls.append((left, right))
        return real(left, right)

    monkeypatch.setattr(ledger_codes.hmac, "compare_digest", spy)
    ledger.redeem(code, "A", T0 + sec(60))
    # Every stored digest is compared (no early exit, not filtered by wall first).
    assert len(calls) == 3
    calls.clear()
    wrong_code(ledger, "A", T0 + sec(61))
    assert len(calls) == 3


def test_codes_are_random_digits_of_configured_length() -> None:
    for length in (6, 10):
        ledger = make_ledger(LedgerSettings(code_length=length))
        codes = {ledger.issue_code(None, T0, wall="A", uses=1).code for _ in range(30)}
        assert len(codes) == 30
        assert all(len(code) == length and code.isdigit() for code in codes)


def test_code_length_change_keeps_old_codes_valid(ledger: Ledger) -> None:
    _, code = deliver(ledger)
    ledger.settings = LedgerSettings(code_length=6)
    assert len(ledger.issue_code(None, T0, wall="A").code) == 6
    assert len(code) == 8
    assert [e.type for e in pick_up(ledger, code, T0 + sec(60))] == [
        EventType.PICKED_UP
    ]


def test_draw_redraws_on_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    book = CodeBook(KEY)
    draws = iter([111111, 111111, 222222])
    monkeypatch.setattr(ledger_codes.secrets, "randbelow", lambda _n: next(draws))
    code, digest = book.draw(6)
    assert code == "111111"
    book.add(
        ledger_codes.StoredCode(
            code_id="c1",
            kind=CodeKind.COURIER,
            digest=digest,
            wall="A",
            parcel_id=None,
            issued=T0,
            valid_from=T0,
            expires=T0 + sec(10),
        )
    )
    assert book.draw(6)[0] == "222222"


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ("12345678", "12345678"),
        (" 1234 5678 ", "12345678"),
        ("1234-5678", "12345678"),
        ("000123", "000123"),
        ("12345", None),
        ("12345678901", None),
        ("1234567a", None),
        ("١٢٣٤٥٦٧٨", None),  # Arabic-Indic digits are not keypad digits
        ("", None),
        (12345678, None),
        (None, None),
    ],
)
def test_normalise_code(entered: object, expected: str | None) -> None:
    assert normalise_code(entered) == expected


def test_short_key_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        CodeBook(b"x" * 15)
    assert "codes=0" in repr(CodeBook(KEY))


# --------------------------------------------------------------------- validity


def test_code_is_one_time(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    ledger.redeem(code, "A", T0 + sec(60))
    # Entering it again before the door opened re-authorises the same compartment.
    again = ledger.redeem(code, "A", T0 + sec(61))
    assert again.number == parcel.number
    ledger.door_opened("A", parcel.number, T0 + sec(62))
    # Spent the moment the door opened.
    err = wrong_code(ledger, "A", T0 + sec(63), code=code)
    assert err.reason is CodeRejection.INVALID
    ledger.door_closed("A", parcel.number, T0 + sec(70))
    err = wrong_code(ledger, "A", T0 + sec(80), code=code)
    assert err.reason is CodeRejection.INVALID


def test_code_expires(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    stored_at = T0 + sec(20)
    expires = stored_at + ledger.settings.code_lifetime
    ledger.redeem(code, "A", expires - sec(1))  # still valid a second before
    ledger.tick(expires - sec(1) + ledger.settings.reservation_timeout)  # lapses
    err = wrong_code(ledger, "A", expires, code=code)
    assert err.reason is CodeRejection.EXPIRED
    assert err.translation_key == "code_expired"
    assert err.placeholders == {"expires": expires.isoformat()}
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.STORED
    # Staff issue a replacement with a new window.
    issued = ledger.issue_code(parcel.parcel_id, expires + sec(10), actor="user-admin")
    assert issued.expires == expires + sec(10) + ledger.settings.code_lifetime
    assert issued.kind is CodeKind.PICKUP
    assert issued.qr.endswith(f"code={issued.code}")
    events = pick_up(ledger, issued.code, expires + sec(20))
    assert [event.type for event in events] == [EventType.PICKED_UP]


def test_replacement_revokes_old_code(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    ledger.redeem(code, "A", T0 + sec(300))  # a pending opening by the old code ...
    issued = ledger.issue_code(parcel.parcel_id, T0 + sec(400))
    # ... is withdrawn with it.
    assert (
        ledger.door_opened("A", parcel.number, T0 + sec(401))[0].type == "forced_open"
    )
    ledger.door_closed("A", parcel.number, T0 + sec(402))
    assert (
        wrong_code(ledger, "A", T0 + sec(500), code=code).reason
        is CodeRejection.INVALID
    )
    assert len(ledger.list_codes()) == 1
    assert ledger.list_codes()[0]["code_id"] == issued.code_id
    assert ledger.list_parcels()[0]["code_expires"] == issued.expires.isoformat()


def test_courier_code_window(ledger: Ledger) -> None:
    start, end = T0 + sec(3600), T0 + sec(7200)
    issued = ledger.issue_code(None, T0, wall="A", valid_from=start, valid_until=end)
    err = wrong_code(ledger, "A", start - sec(1), code=issued.code)
    assert err.reason is CodeRejection.NOT_YET_VALID
    assert err.translation_key == "code_not_yet_valid"
    assert err.placeholders == {"valid_from": start.isoformat()}
    ledger.redeem(issued.code, "A", start)
    late = ledger.issue_code(None, T0, wall="A", valid_until=end)
    assert wrong_code(ledger, "A", end, code=late.code).reason is CodeRejection.EXPIRED


def test_expired_courier_codes_are_purged(ledger: Ledger) -> None:
    issued = ledger.issue_code(None, T0, wall="A", valid_until=T0 + sec(60))
    ledger.tick(T0 + sec(60) + timedelta(days=6))
    assert len(ledger.list_codes()) == 1
    ledger.tick(T0 + sec(60) + timedelta(days=7))
    assert ledger.list_codes() == []
    assert (
        wrong_code(ledger, "A", T0 + timedelta(days=8), code=issued.code).reason
        is CodeRejection.INVALID
    )


def test_revoke_code(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    assert ledger.revoke_code(parcel.parcel_id, T0 + sec(30), actor="user-admin") == []
    assert (
        wrong_code(ledger, "A", T0 + sec(31), code=code).reason is CodeRejection.INVALID
    )
    with pytest.raises(LedgerError) as err:
        ledger.revoke_code(parcel.parcel_id, T0 + sec(32))
    assert err.value.translation_key == "code_not_found"
    assert err.value.placeholders == {"target": parcel.parcel_id}
    # The parcel stays; staff can still hand it out.
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.STORED
    courier = ledger.issue_code(None, T0, wall="A")
    ledger.revoke_code(None, T0, code_id=courier.code_id)
    assert (
        wrong_code(ledger, "A", T0 + sec(40), code=courier.code).reason
        is CodeRejection.INVALID
    )
    replacement = ledger.issue_code(parcel.parcel_id, T0 + sec(50))
    ledger.revoke_code(None, T0 + sec(51), code_id=replacement.code_id)
    assert ledger.list_codes() == []
    with pytest.raises(LedgerError) as err:
        ledger.revoke_code(None, T0, code_id="missing")
    assert err.value.translation_key == "code_not_found"
    assert err.value.placeholders == {"target": "missing"}
    with pytest.raises(LedgerError) as err:
        ledger.revoke_code(None, T0)
    assert err.value.translation_key == "code_not_found"


# --------------------------------------------------------------------- refusals


def test_wrong_code_changes_nothing(ledger: Ledger) -> None:
    """Wrong codes are counted by the hub's guard, not here: nothing moves."""
    _, code = deliver(ledger)
    before, revision = ledger.to_dict(), ledger.revision
    err = wrong_code(ledger, "A", T0 + sec(60))
    assert err.reason is CodeRejection.INVALID
    assert err.translation_key == "invalid_code"
    assert ledger.to_dict() == before
    assert ledger.revision == revision
    # A right code on the wrong wall's keypad is a wrong code there.
    assert (
        wrong_code(ledger, "B", T0 + sec(61), code=code).reason is CodeRejection.INVALID
    )
    assert ledger.redeem(code, "A", T0 + sec(62)).wall == "A"


@pytest.mark.parametrize("entered", ["abc", "12", "", "1" * 11, "12 34"])
def test_malformed_codes_are_refused(ledger: Ledger, entered: str) -> None:
    err = wrong_code(ledger, "A", T0, code=entered)
    assert err.reason is CodeRejection.MALFORMED
    assert err.translation_key == "invalid_code"


def test_redeem_on_unknown_wall(ledger: Ledger) -> None:
    with pytest.raises(LedgerError) as err:
        ledger.redeem("12345678", "Z", T0)
    assert err.value.translation_key == "unknown_wall"


def test_ten_digit_codes_fit_the_keypad_register() -> None:
    """A keypad reports a code as uint32: every 10-digit code must fit in it."""
    from custom_components.parcel_locker.domain.ledger.codes import (  # noqa: PLC0415
        KEYPAD_CODE_LIMIT,
        CodeBook,
    )

    book = CodeBook(b"k" * 32)
    codes = [book.draw(10)[0] for _ in range(2000)]
    assert all(len(code) == 10 for code in codes)
    assert all(int(code) < KEYPAD_CODE_LIMIT for code in codes)
    # Still random over the whole range: some codes above 10**9 (first digit > 0).
    assert any(int(code) >= 10**9 for code in codes)
