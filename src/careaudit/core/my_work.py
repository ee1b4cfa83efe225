"""The panels of the "My work" home page. Each app registers its own panels here.

A panel is a function of the staff member that returns a `Panel` (or None when it does not
apply to them); its template is included on the home page with `panel.context`. `order`
places it among every app's panels, whichever app is loaded first:

    @my_work_panel(order=10)
    def my_audits_panel(staff: StaffMember) -> Panel | None: ...
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


# The registry sits below the organisation app, so it takes the staff member as a plain
# model; each panel is written against StaffMember itself.
PanelFunction = Callable[[Model], Panel | None]
_PANELS: list[tuple[int, PanelFunction]] = []


def my_work_panel(*, order: int) -> Callable[[PanelFunction], PanelFunction]:
    """Register a panel for the home page; panels show in ascending `order`."""

    def register(function: PanelFunction) -> PanelFunction:
        _PANELS.append((order, function))
        _PANELS.sort(key=lambda entry: entry[0])
        return function

    return register


def panels_for(staff: Model) -> list[Panel]:
    return [panel for _, function in _PANELS if (panel := function(staff)) is not None]
