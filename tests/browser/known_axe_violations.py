"""axe-core violations we accept, each inside one of Dash's own components and for a stated reason.

A violation is excused only when its rule id matches AND every offending node sits inside the
named Dash component (checked in the page with ``Element.closest``). Anything else, and any of
these rules firing on the app's own markup, fails the scan. Re-check this list when Dash is
upgraded: delete an entry as soon as Dash fixes the component.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownViolation:
    rule: str  # axe rule id
    inside: str  # CSS selector of the Dash component's root element
    component: str
    reason: str


KNOWN_VIOLATIONS = (
    KnownViolation(
        rule="aria-hidden-focus",
        inside=".dash-dropdown-wrapper",
        component="dcc.Dropdown (Dash 4.4)",
        reason=(
            "Dash 4's dropdown renders <input class='dash-dropdown-focus-target' tabindex='0' "
            "aria-hidden='true'> as a focus trampoline: on focus it hands focus straight to the "
            "dropdown's <button>, which is labelled and announced. No Dropdown prop changes it."
        ),
    ),
    KnownViolation(
        rule="nested-interactive",
        inside=".dash-options-list",
        component="dcc.RadioItems / dcc.Checklist (Dash 4.4)",
        reason=(
            "Dash 4 renders each option as <label role='option'> wrapping a native radio or "
            "checkbox, so axe sees a focusable control inside an option. The native inputs are "
            "labelled by their text and work with Tab, arrow keys and Space; no prop removes the role."
        ),
    ),
    KnownViolation(
        rule="aria-allowed-role",
        inside=".dash-options-list",
        component="dcc.RadioItems / dcc.Checklist (Dash 4.4)",
        reason=(
            "Same markup as above: ARIA in HTML does not allow role='option' on a <label>. "
            "It is Dash's markup; the app cannot set the option elements' role."
        ),
    ),
)
