"""The panels of the "My work" home page. Each feature adds its own panel here.

A panel is a function of the staff member that returns a `Panel` (or None when it does not
apply to them); its template is included on the home page with `panel.context`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from careaudit.organisation.models import StaffMember


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


PanelFunction = Callable[[StaffMember], Panel | None]
_PANELS: list[PanelFunction] = []


def my_work_panel(function: PanelFunction) -> PanelFunction:
    """Decorator that registers a panel for the home page, in import order."""
    _PANELS.append(function)
    return function


def panels_for(staff: StaffMember) -> list[Panel]:
    return [panel for function in _PANELS if (panel := function(staff)) is not None]
