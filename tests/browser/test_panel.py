"""The panel in a real browser, against a real Home Assistant and the simulator.

What a person does and sees: a resident opens their parcel (the controller's
lock coil is written), another resident sees nothing of it, staff watch the
grid change when a door opens at the wall, a courier delivers at the kiosk
(by recipient, or by an announced tracking number alone), a parcel that fits
nowhere is kept at the desk and handed over by staff, and the QR picture of a
resident's phone opens the compartment at the kiosk.
Each view is also written as a screenshot, at phone and desktop size.
"""

from __future__ import annotations

from collections.abc import Callable
import re
from typing import Any

from playwright.sync_api import Page, expect
import pytest

from .conftest import Instance, screenshot

# Home Assistant polls the wall every 2 s; a change shows within a few polls.
SHOWN = 15_000
expect.set_options(timeout=SHOWN)


def deliver(
    instance: Instance, recipient: str = "person.bob", size: str = "S"
) -> dict[str, Any]:
    """A parcel assigned by staff, loaded and closed in at the wall."""
    answer = instance.action("assign_delivery", {"recipient": recipient, "size": size})
    parcel = dict(answer["service_response"])
    number = int(parcel["compartment"].split("-")[1])
    instance.load(number)
    return parcel | {"number": number}


def wait_until_stored(page: Page, parcel_id: str) -> None:
    expect(
        page.locator(f'[data-testid=parcel][data-parcel="{parcel_id}"]')
    ).to_be_visible()


def test_resident_sees_exactly_their_parcel_and_opens_it(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """Bob's parcel: in his panel with its compartment; Open releases the lock."""
    parcel = deliver(instance)
    page = open_as("resident")
    wait_until_stored(page, parcel["parcel_id"])
    # Bob's parcels, each once, and nobody else's (other tests deliver too).
    bobs = instance.parcels_of("person.bob")
    cards = page.locator("[data-testid=parcel]")
    expect(cards).to_have_count(len(bobs))
    assert {card.get_attribute("data-parcel") for card in cards.all()} == bobs
    card = page.locator(f'[data-testid=parcel][data-parcel="{parcel["parcel_id"]}"]')
    expect(card).to_contain_text(parcel["compartment"])
    screenshot(page, "resident")
    phone = open_as("resident", phone=True)
    wait_until_stored(phone, parcel["parcel_id"])
    screenshot(phone, "resident")

    before = instance.releases(parcel["number"])
    card.locator("[data-testid=open-parcel]").click()
    expect(
        page.get_by_role("status").filter(has_text=parcel["compartment"])
    ).to_be_visible()
    assert instance.releases(parcel["number"]) == before + 1
    # Bob takes it out; its card goes.
    instance.collect(parcel["number"])
    expect(card).to_have_count(0)


def test_another_resident_sees_nothing_of_it(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """Charlie (another resident) sees only his own parcels, never Bob's."""
    parcel = deliver(instance)
    bob = open_as("resident")
    wait_until_stored(bob, parcel["parcel_id"])
    charlie = open_as("neighbour")
    expect(charlie.get_by_role("heading", name="Parcel Locker")).to_be_visible()
    charlies = instance.parcels_of("person.charlie")
    cards = charlie.locator("[data-testid=parcel]")
    if charlies:
        expect(cards).to_have_count(len(charlies))
    else:
        expect(charlie.locator("[data-testid=resident-empty]")).to_be_visible()
    assert {card.get_attribute("data-parcel") for card in cards.all()} == charlies
    assert parcel["parcel_id"] not in charlie.content()


def test_staff_see_the_grid_change_when_a_door_opens(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """A door forced at the wall turns its tile into a problem, by itself."""
    page = open_as("owner", "/parcel-locker/walls")
    tile = page.locator('[data-compartment="A-09"]')
    expect(tile).to_be_visible()
    quiet = tile.get_attribute("aria-label") or ""
    assert "forced" not in quiet.lower()
    screenshot(page, "staff-walls")
    instance.wall(9, "force_open")
    expect(tile).to_have_attribute("aria-label", re.compile("forced", re.IGNORECASE))
    expect(page.locator(".problem").first).to_be_visible()
    tile.click()
    expect(page.locator("[data-action=inspect]")).to_be_visible()
    screenshot(page, "staff-compartment")
    instance.wall(9, "close")
    expect(tile).to_have_attribute("aria-label", quiet)

    phone = open_as("owner", "/parcel-locker/walls", phone=True)
    expect(phone.locator('[data-compartment="A-09"]')).to_be_visible()
    screenshot(phone, "staff-walls")
    phone.locator('[data-compartment="A-09"]').click()
    expect(phone.locator("[data-action=inspect]")).to_be_visible()
    screenshot(phone, "staff-compartment")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_staff_lists_and_statistics(
    instance: Instance, open_as: Callable[..., Page], phone: bool
) -> None:
    """The parcels, the audit trail and the statistics tabs render for staff."""
    parcel = deliver(instance, "person.charlie", "M")
    page = open_as("owner", "/parcel-locker/parcels", phone=phone)
    expect(page.locator("[data-testid=filter-state]")).to_be_visible()
    expect(page.get_by_text(parcel["compartment"]).first).to_be_visible()
    screenshot(page, "staff-parcels")
    page.locator('[role=tab][data-tab="activity"]').click()
    expect(page.locator("[data-testid=filter-action]")).to_be_visible()
    expect(page.locator("li").filter(has_text="Parcel delivered").first).to_be_visible()
    screenshot(page, "staff-activity")
    page.locator('[role=tab][data-tab="statistics"]').click()
    expect(page.get_by_text("Occupancy").first).to_be_visible()
    screenshot(page, "staff-statistics")


def test_courier_delivers_at_the_kiosk(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """Recipient, size, Open: the compartment opens and is shown big."""
    page = open_as("courier", "/parcel-locker/kiosk/deliver")
    page.locator("[data-testid=kiosk-search]").fill("bo")
    page.locator('[data-recipient="person.bob"]').click()
    page.locator('[data-size="M"]').click()
    screenshot(page, "kiosk-deliver")
    page.locator("[data-testid=kiosk-open]").click()
    shown = page.locator("[data-testid=kiosk-compartment]")
    expect(shown).to_have_text(re.compile(r"A-\d\d"))
    label = shown.inner_text()
    number = int(label.split("-")[1])
    assert 13 <= number <= 20  # a medium compartment
    assert instance.releases(number) >= 1
    screenshot(page, "kiosk-delivered")
    instance.load(number)

    phone = open_as("courier", "/parcel-locker/kiosk/deliver", phone=True)
    expect(phone.locator("[data-testid=kiosk-search]")).to_be_visible()
    screenshot(phone, "kiosk-deliver")
    phone.locator("[data-testid=kiosk-search]").fill("bo")
    phone.locator('[data-recipient="person.bob"]').click()
    phone.locator('[data-size="S"]').click()
    phone.locator("[data-testid=kiosk-open]").click()
    expect(phone.locator("[data-testid=kiosk-compartment]")).to_be_visible()
    screenshot(phone, "kiosk-delivered")


def announce(instance: Instance, tracking: str, size: str) -> str:
    """Bob announces a delivery (as staff would for him): its parcel id."""
    data = {"recipient": "person.bob", "tracking": tracking, "size": size}
    answer = instance.action("announce_delivery", data | {"carrier": "DHL"})
    return str(answer["service_response"]["parcel_id"])


def deliver_by_tracking(page: Page, typed: str) -> None:
    """At the kiosk: the tracking number only, then Open."""
    page.locator("[data-testid=kiosk-use-tracking]").click()
    page.locator("[data-testid=kiosk-tracking]").fill(typed)
    page.locator("[data-testid=kiosk-open]").click()


def test_a_courier_delivers_an_announced_parcel_by_its_tracking_number(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """Bob expects it; the number alone opens a medium compartment for Bob."""
    parcel_id = announce(instance, "JJD 4242 0001", "M")
    bob = open_as("resident")
    card = bob.locator(f'[data-testid=parcel][data-parcel="{parcel_id}"]')
    expect(card).to_have_attribute("data-place", "expected")
    expect(card).to_contain_text("Tracking number JJD 4242 0001")
    expect(card.locator("[data-testid=open-parcel]")).to_have_count(0)

    page = open_as("courier", "/parcel-locker/kiosk/deliver")
    deliver_by_tracking(page, "jjd42420001")  # as a scanner might give it
    shown = page.locator("[data-testid=kiosk-compartment]")
    expect(shown).to_have_text(re.compile(r"A-\d\d"))
    label = shown.inner_text()
    number = int(label.split("-")[1])
    assert 13 <= number <= 20  # the announced size, M
    assert instance.releases(number) >= 1
    expect(page.locator("[data-testid=kiosk-detail]")).to_have_text("For Bob")
    screenshot(page, "kiosk-tracking")
    instance.load(number)
    # Bob's expected parcel is now his, waiting in that compartment.
    expect(card).to_have_attribute("data-place", "compartment")
    expect(card).to_contain_text(label)
    expect(card.locator("[data-testid=open-parcel]")).to_be_visible()


def test_a_parcel_that_fits_nowhere_is_kept_at_the_desk(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """Nothing fits XL: the kiosk says so, Bob sees it at the desk, staff hand it on."""
    parcel_id = announce(instance, "XL 4242 0002", "XL")
    page = open_as("courier", "/parcel-locker/kiosk/deliver")
    deliver_by_tracking(page, "NOT ANNOUNCED 1")
    expect(page.get_by_role("alert")).to_contain_text(
        "No delivery with tracking number NOT ANNOUNCED 1 was announced"
    )
    page.locator("[data-testid=kiosk-tracking]").fill("XL 4242 0002")
    page.locator("[data-testid=kiosk-open]").click()
    result = page.locator("[data-testid=kiosk-result]")
    expect(result).to_contain_text("Keep this parcel at the front desk")
    expect(result).to_contain_text("it is recorded for Bob")
    expect(page.locator("[data-testid=kiosk-compartment]")).to_have_count(0)
    screenshot(page, "kiosk-held")

    bob = open_as("resident")
    card = bob.locator(f'[data-testid=parcel][data-parcel="{parcel_id}"]')
    expect(card).to_have_attribute("data-place", "desk")
    expect(card).to_contain_text("At the front desk")
    expect(card.locator("[data-testid=open-parcel]")).to_have_count(0)
    screenshot(bob, "resident-desk")

    staff = open_as("owner", "/parcel-locker/parcels")
    staff.locator(f'.row[data-parcel="{parcel_id}"]').click()
    staff.locator("[data-action=mark_collected]").click()
    staff.locator("[data-action-confirm=mark_collected]").click()
    expect(
        staff.get_by_role("status").filter(has_text="marked as collected")
    ).to_be_visible()
    expect(card).to_have_count(0)


def test_the_phones_qr_picture_opens_the_compartment_at_the_kiosk(
    instance: Instance, open_as: Callable[..., Page]
) -> None:
    """The picture Bob's phone shows, given to the scanner: his compartment opens."""
    parcel = deliver(instance)
    bob = open_as("resident")
    wait_until_stored(bob, parcel["parcel_id"])
    picture = instance.qr_picture(parcel["parcel_id"], "resident")

    for phone in (True, False):
        page = open_as("courier", "/parcel-locker/kiosk/pickup", phone=phone)
        expect(page.locator("[data-testid=kiosk-redeem]")).to_be_visible()
        screenshot(page, "kiosk-pickup")
    before = instance.releases(parcel["number"])
    page.locator("[data-testid=qr-file]").set_input_files(
        files=[{"name": "code.png", "mimeType": "image/png", "buffer": picture}]
    )
    expect(page.locator("[data-testid=kiosk-compartment]")).to_have_text(
        parcel["compartment"]
    )
    assert instance.releases(parcel["number"]) == before + 1
    screenshot(page, "kiosk-pickup-scanned")
