"""STAND-IN for `insights.filters`: replace with the shared dashboard filter at merge.

The Themes and People's voice dashboards were built while the shared filter form (month
range, standard, service, team, role, mode) was being written elsewhere. To stay independent
they take a `Filters` object with the same fields, parsed here and only here
(`read_filters`), and ask for the audits it selects with `audits_matching`. At merge, point
`views_themes.py` at `insights.filters` and delete this module and its template
(`insights/partials/stand_in_filters.html`).

The definitions are those shared by every dashboard: an audit counts once submitted; its
month is its request's month; its team is the case's team, or the team of the staff member
audited (as `improvement.repeats` counts it); its service is its team's service, or the
service audited.
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django import forms
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict

from careaudit.audits.models import Audit, AuditStatus
from careaudit.core.forms import GovukForm
from careaudit.lib.dates import add_months
from careaudit.organisation.models import Organisation, Role, Service, Team
from careaudit.programme.models import RequestMode
from careaudit.standards.models import Standard

# A dashboard with no months chosen shows the year up to the latest month with audits.
DEFAULT_MONTHS = 12

MODES = [(m.value, m.label) for m in RequestMode if m != RequestMode.MODERATION]


@dataclass(frozen=True)
class Filters:
    """What a dashboard is asked to show. `month_from` and `month_to` are first days of
    months (both included); None elsewhere means "any"."""

    month_from: date | None = None
    month_to: date | None = None
    standard: Standard | None = None
    service: Service | None = None
    team: Team | None = None
    role: Role | None = None
    mode: str = ""

    @property
    def months(self) -> list[date]:
        """Every month of the range, oldest first (empty without a range)."""
        if self.month_from is None or self.month_to is None:
            return []
        months, month = [], self.month_from
        while month <= self.month_to:
            months.append(month)
            month = add_months(month, 1)
        return months

    def words(self) -> str:
        """The filter in words, for headings and the access log."""
        parts = []
        if self.month_from and self.month_to:
            if self.month_from == self.month_to:
                parts.append(f"{self.month_from:%B %Y}")
            else:
                parts.append(f"{self.month_from:%B %Y} to {self.month_to:%B %Y}")
        if self.standard:
            parts.append(self.standard.code)
        if self.team:
            parts.append(self.team.name)
        elif self.service:
            parts.append(self.service.name)
        if self.role:
            parts.append(f"audits by {self.role.name}s")
        if self.mode:
            parts.append(dict(MODES).get(self.mode, self.mode).lower())
        return ", ".join(parts) or "all audits"


TEAM = Coalesce("case__team_id", "staff_subject__team_id")
TEAM_NAME = Coalesce("case__team__name", "staff_subject__team__name")
SERVICE = Coalesce(
    "case__team__service_id", "staff_subject__team__service_id", "service_subject_id"
)


def submitted_audits(organisation: Organisation) -> QuerySet[Audit]:
    """Every submitted audit of the organisation, with its team and service annotated."""
    return Audit.objects.filter(organisation=organisation, status=AuditStatus.SUBMITTED).annotate(
        team_id=TEAM, service_id=SERVICE, month=F("request__month")
    )


def audits_matching(organisation: Organisation, filters: Filters) -> QuerySet[Audit]:
    """The submitted audits the filter selects."""
    audits = submitted_audits(organisation)
    if filters.month_from:
        audits = audits.filter(request__month__gte=filters.month_from)
    if filters.month_to:
        audits = audits.filter(request__month__lte=filters.month_to)
    if filters.standard:
        audits = audits.filter(request__standard=filters.standard)
    if filters.service:
        audits = audits.filter(service_id=filters.service.pk)
    if filters.team:
        audits = audits.filter(team_id=filters.team.pk)
    if filters.role:
        audits = audits.filter(request__auditor_role=filters.role)
    if filters.mode:
        audits = audits.filter(mode=filters.mode)
    return audits


# --- The form -------------------------------------------------------------------------------


def _month_label(month: date) -> str:
    return f"{month:%B %Y}"


class StandInFilterForm(GovukForm):
    """The dashboards' filter (a stand-in for `insights.filters`'s form): GOV.UK selects,
    each choice from the organisation's own data, so a tampered address gets a message
    beside its field, never an error page."""

    month_from = forms.TypedChoiceField(
        label="From", required=False, coerce=date.fromisoformat, empty_value=None
    )
    month_to = forms.TypedChoiceField(
        label="To", required=False, coerce=date.fromisoformat, empty_value=None
    )
    standard = forms.ModelChoiceField(
        label="Standard", queryset=Standard.objects.none(), required=False
    )
    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.none(), required=False)
    role = forms.ModelChoiceField(
        label="Auditor’s role", queryset=Role.objects.none(), required=False
    )
    mode = forms.ChoiceField(
        label="Kind of audit", choices=[("", "Any kind"), *MODES], required=False
    )

    def __init__(self, data: QueryDict | None, *, organisation: Organisation):
        super().__init__(data)
        self.organisation = organisation
        audits = submitted_audits(organisation)
        self.available_months = sorted(
            set(audits.order_by().values_list("request__month", flat=True).distinct())
        )
        month_choices = [("", "Any month")] + [
            (m.isoformat(), _month_label(m)) for m in self.available_months
        ]
        invalid = {"invalid_choice": "Choose a month from the list"}
        for name in ("month_from", "month_to"):
            self.fields[name].choices = month_choices
            self.fields[name].error_messages.update(invalid)
        self.fields["standard"].queryset = Standard.objects.filter(
            pk__in=audits.values("request__standard")
        ).order_by("framework__name", "position", "code")
        self.fields["service"].queryset = Service.objects.filter(organisation=organisation)
        self.fields["team"].queryset = Team.objects.filter(
            service__organisation=organisation
        ).select_related("service")
        self.fields["role"].queryset = Role.objects.for_organisation(organisation).order_by("name")
        for name, what in (
            ("standard", "standard"),
            ("service", "service"),
            ("team", "team"),
            ("role", "role"),
            ("mode", "kind of audit"),
        ):
            self.fields[name].error_messages["invalid_choice"] = f"Choose a {what} from the list"
            if name != "mode":
                self.fields[name].empty_label = f"Any {what}"
        self.fields["team"].label_from_instance = lambda team: f"{team.name} ({team.service.name})"

    def clean(self):
        data = super().clean()
        since, until = data.get("month_from"), data.get("month_to")
        if since and until and since > until:
            self.add_error(
                "month_to", "The ‘to’ month must be the same as or after the ‘from’ month"
            )
        team, service = data.get("team"), data.get("service")
        if team and service and team.service_id != service.pk:
            self.add_error(
                "team",
                f"{team.name} is not in {service.name}: choose one of its teams, or any team",
            )
        return data

    @cached_property
    def filters(self) -> Filters:
        """What to show: the valid choices, the year to the latest audited month where no
        month is chosen. With an error, the same default year and nothing else, so the page
        still shows something beside the message."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        latest = self.available_months[-1] if self.available_months else None
        month_to = data.get("month_to") or (
            max(latest, data["month_from"]) if latest and data.get("month_from") else latest
        )
        month_from = data.get("month_from") or (
            add_months(month_to, 1 - DEFAULT_MONTHS) if month_to else None
        )
        return Filters(
            month_from=month_from,
            month_to=month_to,
            standard=data.get("standard"),
            service=data.get("service"),
            team=data.get("team"),
            role=data.get("role"),
            mode=data.get("mode") or "",
        )


def read_filters(query: QueryDict, organisation: Organisation) -> StandInFilterForm:
    """The one place a dashboard's query string is read: the form (with any errors to show)
    and, as `form.filters`, what to show."""
    keys = set(StandInFilterForm.base_fields)
    return StandInFilterForm(query if keys & set(query) else None, organisation=organisation)


def filter_query(query: QueryDict) -> str:
    """The filter part of a query string, to carry from one dashboard page to another."""
    kept = QueryDict(mutable=True)
    for name in StandInFilterForm.base_fields:
        if query.get(name):
            kept[name] = query[name]
    return kept.urlencode()
