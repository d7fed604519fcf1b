"""axe-core violations we accept, each inside one of Dash's own components and for a stated reason.

The list is empty and should stay so: a new entry needs a reason a reviewer accepts.

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


KNOWN_VIOLATIONS: tuple[KnownViolation, ...] = ()
"""Empty: every control is a native HTML control (issue 10), so axe-core has nothing to excuse."""
