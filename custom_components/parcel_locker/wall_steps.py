"""The wall steps the first setup and the ``wall`` subentry flow share.

``WallSteps[ResultT]`` is mixed into a config flow (``ConfigFlowResult``) and a
subentry flow (``SubentryFlowResult``): the wall form, the relay and input
boards, the custom point map and the wiring test, typed for the flow they run
in. A flow supplies how to show a form or a menu, the link to test-read on,
the walls already on that link, and what saving a wall means for it.

A reference wall is detected: the wiring test reads every point of layout 1.1,
pre-selects what answered and leaves out the probes that read -32768.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.const import CONF_NAME
from modbus_connection import ModbusConnection

from .compat import vol
from .const import (
    CONF_COMPARTMENTS,
    CONF_OPTIONAL_POINTS,
    CONF_POINT_OVERRIDES,
    CONF_PREFIX,
    CONF_PROBES,
    CONF_PROFILE,
    CONF_TEMPERATURE_HIGH,
    CONF_TEMPERATURE_LOW,
)
from .controller_check import WALL_NOT_ANSWERING, async_ask_controller
from .domain.sizes import MAX_COMPARTMENTS, compartment_label
from .domain.wiring import (
    EDITABLE_ROLES,
    OPTIONAL_POINT_NAMES,
    REQUIRED_GROUP,
    Profile,
    WallMap,
    point_group,
)
from .wall_config import generate_map
from .wall_form import (
    CONF_COMPARTMENT,
    build_wall,
    check_wall_form,
    check_wiring_form,
    compartment_schema,
    detected_schema,
    points_schema,
    wall_schema,
    wiring_schema,
)
from .wiring_test import WiringTest, async_run_wiring_test, wiring_summary

CUSTOM_MENU = ["edit_compartment", "save_custom"]
BLANK_WHEN_LEFT_OUT = (CONF_TEMPERATURE_LOW, CONF_TEMPERATURE_HIGH)
EMPTY_SCHEMA = vol.Schema({})


@dataclass(slots=True)
class WallDraft:
    """The wall as the installer has described it so far."""

    data: dict[str, Any] = field(default_factory=dict)
    editing: int = 1
    """The compartment whose points the custom map is changing."""
    test: WiringTest | None = None


class WallSteps[ResultT](ABC):
    """The steps that describe, test and save one wall."""

    _draft: WallDraft

    # -- what the flow provides -----------------------------------------------

    if TYPE_CHECKING:
        # Every flow handler has these (FlowHandler), answering its results.
        async_show_form: Callable[..., ResultT]
        async_show_menu: Callable[..., ResultT]

    @abstractmethod
    def _link(self) -> AbstractAsyncContextManager[ModbusConnection]:
        """The link to test-read the wall on, for as long as the read takes."""

    @abstractmethod
    def _other_walls(self) -> list[WallMap]:
        """Walls already on the link, which the new one must not overlap."""

    @abstractmethod
    async def _async_save_wall(self, data: dict[str, Any], wall: WallMap) -> ResultT:
        """Save the wall: create the entry, or the subentry, or update it."""

    # -- the steps ------------------------------------------------------------

    def _form(
        self,
        step_id: str,
        schema: vol.Schema,
        errors: Mapping[str, str],
        placeholders: Mapping[str, str],
    ) -> ResultT:
        return self.async_show_form(
            step_id=step_id,
            data_schema=schema,
            errors=dict(errors),
            description_placeholders=dict(placeholders),
        )

    def _menu(self, step_id: str, options: list[str]) -> ResultT:
        return self.async_show_menu(step_id=step_id, menu_options=options)

    async def _async_wall_form(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        defaults: Mapping[str, Any],
    ) -> ResultT:
        """Show the wall form, or check it and go on by profile."""
        errors: dict[str, str] = {}
        placeholders = {"detail": "", "maximum": str(MAX_COMPARTMENTS)}
        if user_input is not None:
            data = {**defaults, **user_input}
            for key in BLANK_WHEN_LEFT_OUT:
                # An optional field the form sends no value for was emptied.
                if key not in user_input:
                    data.pop(key, None)
            errors, found = check_wall_form(data)
            placeholders |= found
            if not errors:
                self._draft = WallDraft(data=data)
                profile = Profile(data[CONF_PROFILE])
                if profile is Profile.RELAY_INPUT:
                    return await self.async_step_wiring()
                if profile is Profile.CUSTOM:
                    return self._menu("custom_points", CUSTOM_MENU)
                # A reference wall: read every point it could have.
                probe = {**data, CONF_OPTIONAL_POINTS: list(OPTIONAL_POINT_NAMES)}
                probe.pop(CONF_PROBES, None)
                wall, errors, found = build_wall(probe, self._other_walls())
                placeholders |= found
                if wall is not None:
                    errors, found = await self._async_test(wall)
                    placeholders |= found
                    if not errors:
                        return self._show_test()
        return self._form(
            step_id, wall_schema(user_input or defaults), errors, placeholders
        )

    async def async_step_wiring(
        self, user_input: dict[str, Any] | None = None
    ) -> ResultT:
        """Where the relay board and the input board sit on the link."""
        errors: dict[str, str] = {}
        placeholders = {"detail": ""}
        if user_input is not None:
            data = {**self._draft.data, **user_input}
            errors = check_wiring_form(data)
            if not errors:
                result = await self._async_build_and_test(data)
                if not isinstance(result, tuple):
                    return result
                errors, found = result
                placeholders |= found
        return self._form(
            "wiring",
            wiring_schema(user_input or self._draft.data),
            errors,
            placeholders,
        )

    async def async_step_custom_points(
        self, user_input: dict[str, Any] | None = None
    ) -> ResultT:
        """Custom map: change a compartment's points, or test and save."""
        return self._menu("custom_points", CUSTOM_MENU)

    async def async_step_edit_compartment(
        self, user_input: dict[str, Any] | None = None
    ) -> ResultT:
        """Custom map: which compartment to change."""
        count = int(self._draft.data[CONF_COMPARTMENTS])
        if user_input is not None:
            self._draft.editing = int(user_input[CONF_COMPARTMENT])
            return await self.async_step_edit_points()
        return self._form(
            "edit_compartment",
            compartment_schema(count),
            {},
            {"count": str(count), "detail": ""},
        )

    async def async_step_edit_points(
        self, user_input: dict[str, Any] | None = None
    ) -> ResultT:
        """Custom map: one compartment's lock, door and sensor points.

        The whole map is checked at once, so an overlap is found here.
        """
        draft = self._draft
        errors: dict[str, str] = {}
        placeholders = {
            "compartment": compartment_label(draft.data[CONF_PREFIX], draft.editing),
            "detail": "",
        }
        if user_input is not None:
            overrides = dict(draft.data.get(CONF_POINT_OVERRIDES) or {})
            overrides[str(draft.editing)] = {
                str(role): str(user_input.get(str(role), "")) for role in EDITABLE_ROLES
            }
            trial = {**draft.data, CONF_POINT_OVERRIDES: overrides}
            wall, errors, found = build_wall(trial, self._other_walls())
            if wall is not None:
                draft.data = trial
                return self._menu("custom_points", CUSTOM_MENU)
            placeholders |= found
        current = generate_map(draft.data).compartment(draft.editing)
        return self._form("edit_points", points_schema(current), errors, placeholders)

    async def async_step_save_custom(
        self, user_input: dict[str, Any] | None = None
    ) -> ResultT:
        """Custom map: read it once, then save it."""
        result = await self._async_build_and_test(self._draft.data)
        if not isinstance(result, tuple):
            return result
        errors, placeholders = result
        count = int(self._draft.data[CONF_COMPARTMENTS])
        return self._form(
            "edit_compartment",
            compartment_schema(count),
            errors,
            {"count": str(count), "detail": "", **placeholders},
        )

    async def async_step_test_wiring(
        self, user_input: dict[str, Any] | None = None
    ) -> ResultT:
        """What the read found; on submit the wall is saved.

        A reference wall saves the points ticked here: those that answered,
        unless the installer leaves some out. A point that did not answer
        cannot be ticked on.
        """
        if user_input is None:
            return self._show_test()
        test = self._draft.test
        assert test is not None  # noqa: S101 - the step is only shown after a test
        data = dict(self._draft.data)
        if Profile(data[CONF_PROFILE]) is not Profile.REFERENCE:
            return await self._async_save_wall(data, test.wall)
        chosen = list(user_input.get(CONF_OPTIONAL_POINTS, test.detected()))
        if silent := test.silent(chosen):
            return self._show_test(
                {CONF_OPTIONAL_POINTS: "points_not_answering"},
                {"points": ", ".join(silent)},
            )
        data[CONF_OPTIONAL_POINTS] = [
            name for name in OPTIONAL_POINT_NAMES if name in chosen
        ]
        data[CONF_PROBES] = sorted(test.probes)
        wall, errors, found = build_wall(data, self._other_walls())
        if wall is None:
            return self._show_test(errors, found)
        return await self._async_save_wall(data, wall)

    # -- helpers ----------------------------------------------------------------

    async def _async_build_and_test(
        self, data: dict[str, Any]
    ) -> ResultT | tuple[dict[str, str], dict[str, str]]:
        """Make the map and read it once: the test step, or errors for the form."""
        wall, errors, placeholders = build_wall(data, self._other_walls())
        if wall is None:
            return errors, placeholders
        self._draft.data = data
        errors, placeholders = await self._async_test(wall)
        if errors:
            return errors, placeholders
        test = self._draft.test
        assert test is not None  # noqa: S101 - set by the test just made
        if silent := test.silent(data.get(CONF_OPTIONAL_POINTS) or []):
            relevant = [name for name in silent if name in _points_in(test.wall)]
            if relevant:
                return {"base": "points_not_answering"}, {"points": ", ".join(relevant)}
        return self._show_test()

    async def _async_test(self, wall: WallMap) -> tuple[dict[str, str], dict[str, str]]:
        """Read every point once; keep the result, or return the form's errors."""

        async def read() -> WiringTest:
            async with self._link() as connection:
                return await async_run_wiring_test(connection, wall)

        test, errors = await async_ask_controller(read, failed=WALL_NOT_ANSWERING)
        if test is None:
            return errors, {"device_id": str(self._draft.data.get("device_id", ""))}
        self._draft.test = test
        return {}, {}

    def _show_test(
        self,
        errors: Mapping[str, str] | None = None,
        placeholders: Mapping[str, str] | None = None,
    ) -> ResultT:
        """The wiring test's summary; a reference wall's detected points ticked."""
        test = self._draft.test
        assert test is not None  # noqa: S101 - only shown after a test
        data = self._draft.data
        reference = Profile(data[CONF_PROFILE]) is Profile.REFERENCE
        return self._form(
            "test_wiring",
            detected_schema(test.detected()) if reference else EMPTY_SCHEMA,
            errors or {},
            {**wiring_summary(data[CONF_PREFIX], test), **(placeholders or {})},
        )


def _points_in(wall: WallMap) -> set[str]:
    """The optional points a map has at all (a relay board has no keypad)."""
    return {point_group(key) for key, _ in wall.labelled_points()} - {REQUIRED_GROUP}


def wall_title(data: Mapping[str, Any]) -> str:
    """The subentry's title: the wall's name."""
    return str(data[CONF_NAME])
