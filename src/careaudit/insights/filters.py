"""What an insights page is about: months, standard, service, team, role and mode, read from
the address (GET), so a filtered page can be bookmarked, shared and linked to.

`ResultsFilterForm` checks what was typed and offers only the person's organisation's
standards, services, teams and roles; `ResultsFilter` is its valid result; `counted_audits`
turns it into the one filter on Audit that every measure uses (`measures.py` says which audits
count and whose team an audit is).
"""

import re
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet

from careaudit.audits.models import Audit, AuditStatus
from careaudit.core.forms import GovukForm
from careaudit.lib.dates import add_months, month_start
from careaudit.organisation.models import Organisation, Service, Team
from careaudit.organisation.selectors import roles_for
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import Standard

# The default range: the last 12 months, this one included.
DEFAULT_MONTHS = 12
MONTH_PATTERN = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
# The modes an audit counted in the results can have: moderations are not audits of practice.
RESULT_MODES = [(m.value, m.label) for m in RequestMode if m != RequestMode.MODERATION]


@dataclass(frozen=True)
class ResultsFilter:
    """A valid filter: the first and last programme months (first days) and, optionally, one
    standard, service, team, auditor role and mode (ids, or the mode's value)."""

    since: date
    until: date
    standard: int | None = None
    service: int | None = None
    team: int | None = None
    role: int | None = None
    mode: str = ""

    @classmethod
    def default(cls, today: date) -> "ResultsFilter":
        until = month_start(today)
        return cls(since=add_months(until, 1 - DEFAULT_MONTHS), until=until)

    def params(self, **more) -> dict[str, str]:
        """The filter as address parameters, with `more` added (None or "" leaves one out)."""
        values = {
            "from": f"{self.since:%Y-%m}",
            "to": f"{self.until:%Y-%m}",
            "standard": self.standard,
            "service": self.service,
            "team": self.team,
            "role": self.role,
            "mode": self.mode,
            **more,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def query_string(self, **more) -> str:
        return urlencode(self.params(**more))

    def narrowed(self, **fields) -> "ResultsFilter":
        return replace(self, **fields)

    @property
    def of_a_part(self) -> bool:
        """Whether the filter keeps to a part of the organisation: a team, a service, an
        auditor's role or a kind of audit (months and a standard keep all of it)."""
        return bool(self.team or self.service or self.role or self.mode)

    def whole_organisation(self) -> "ResultsFilter":
        """The same months and standard, for the whole organisation."""
        return replace(self, team=None, service=None, role=None, mode="")

    @property
    def months(self) -> list[date]:
        months, month = [], self.since
        while month <= self.until:
            months.append(month)
            month = add_months(month, 1)
        return months


def counted_audits(organisation: Organisation, results_filter: ResultsFilter) -> QuerySet[Audit]:
    """The audits a result counts, narrowed by the filter: submitted audits of the
    organisation whose programme month is in the range, not moderations (see `measures`)."""
    return Audit.objects.filter(
        audit_filter(organisation, results_filter), organisation=organisation
    )


def audit_filter(organisation: Organisation, f: ResultsFilter) -> Q:
    """The filter as a Q on Audit: every measure and the list of audits behind a figure use it.

    The team of an audit is its case's team, or for an audit of a staff member their team;
    its service is that team's service, or the service audited."""
    q = Q(
        organisation=organisation,
        status=AuditStatus.SUBMITTED,
        request__month__gte=f.since,
        request__month__lte=f.until,
    ) & ~Q(mode=RequestMode.MODERATION)
    if f.standard:
        q &= Q(request__standard_id=f.standard)
    if f.team:
        q &= Q(case__team_id=f.team) | Q(case__isnull=True, staff_subject__team_id=f.team)
    if f.service:
        q &= (
            Q(case__team__service_id=f.service)
            | Q(case__isnull=True, staff_subject__team__service_id=f.service)
            | Q(case__isnull=True, staff_subject__isnull=True, service_subject_id=f.service)
        )
    if f.role:
        q &= Q(request__auditor_role_id=f.role)
    if f.mode:
        q &= Q(mode=f.mode)
    return q


class MonthField(forms.CharField):
    """A programme month typed as YYYY-MM (what the exports and commands use)."""

    def __init__(self, *, what: str, **kwargs):
        self.what = what
        kwargs.setdefault("max_length", 7)
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"class": "govuk-input--width-5", "spellcheck": "false"})

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        match = MONTH_PATTERN.match(text)
        if not match:
            raise forms.ValidationError(
                f"Enter the {self.what} as a year and month, like 2024-03", code="invalid"
            )
        year, month = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and year >= 1900):
            raise forms.ValidationError(
                f"Enter the {self.what} as a real month, like 2024-03", code="invalid"
            )
        return date(year, month, 1)


def _choices(empty: str, rows) -> list[tuple[str, str]]:
    return [("", empty), *((str(pk), label) for pk, label in rows)]


class ResultsFilterForm(GovukForm):
    """The filter, from the address. Every field may be left out: no months means the last
    12 months; anything else left out means all."""

    # `from` and `to` are Python keywords, so the fields are added in __init__.
    standard = forms.ChoiceField(label="Standard", required=False)
    service = forms.ChoiceField(label="Service", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    role = forms.ChoiceField(label="Auditor’s role", required=False)
    mode = forms.ChoiceField(label="Kind of audit", required=False)

    def __init__(self, data, *, organisation: Organisation, today: date, **kwargs):
        default = ResultsFilter.default(today)
        if not data.get("from") and not data.get("to"):
            data = data.copy()  # the boxes show the months the page is about
            data["from"], data["to"] = f"{default.since:%Y-%m}", f"{default.until:%Y-%m}"
        super().__init__(data, **kwargs)
        self.organisation, self.today = organisation, today
        fields = {
            "from": MonthField(
                label="First month",
                what="first month",
                help_text=f"For example, {default.since:%Y-%m}",
            ),
            "to": MonthField(
                label="Last month",
                what="last month",
                help_text=f"For example, {default.until:%Y-%m}",
            ),
        }
        self.fields = {**fields, **self.fields}
        self.fields["standard"].choices = _choices(
            "All standards",
            (
                (s.pk, f"{s.code} {s.title}")
                for s in Standard.objects.filter(
                    pk__in=AuditRequest.objects.filter(organisation=organisation).values("standard")
                ).order_by("framework__name", "position", "code")
            ),
        )
        self.fields["service"].choices = _choices(
            "All services",
            Service.objects.filter(organisation=organisation).values_list("pk", "name"),
        )
        self.fields["team"].choices = _choices(
            "All teams",
            (
                (t.pk, f"{t.name} ({t.service.name})")
                for t in Team.objects.filter(service__organisation=organisation)
                .select_related("service")
                .order_by("name", "service__name")
            ),
        )
        self.fields["role"].choices = _choices(
            "All roles",
            # The roles of the organisation's kind (a council's, a provider's) and its own.
            roles_for(organisation).values_list("pk", "name"),
        )
        self.fields["mode"].choices = [("", "All kinds"), *RESULT_MODES]
        for name, what in (
            ("standard", "a standard"),
            ("service", "a service"),
            ("team", "a team"),
            ("role", "an auditor’s role"),
            ("mode", "a kind of audit"),
        ):
            self.fields[name].error_messages["invalid_choice"] = f"Choose {what} from the list"

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("from"), cleaned.get("to")
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        default = ResultsFilter.default(self.today)
        if since is None and until is None:
            since, until = default.since, default.until
        elif since is None:
            since = add_months(until, 1 - DEFAULT_MONTHS)
        elif until is None:
            until = max(since, default.until)
        if since > until:
            self.add_error("to", "The last month must be the same as or after the first month")
        cleaned["from"], cleaned["to"] = since, until
        return cleaned

    def description(self) -> list[str]:
        """The valid filter in words, for a page's heading: the months, then each choice."""
        data = self.cleaned_data
        parts = [f"{data['from']:%B %Y} to {data['to']:%B %Y}"]
        for name in ("standard", "service", "team", "role", "mode"):
            if data.get(name):
                label = dict(self.fields[name].choices)[data[name]]
                parts.append(f"{self.fields[name].label}: {label}")
        return parts

    def results_filter(self) -> ResultsFilter:
        """The valid filter (call after `is_valid()`)."""
        data = self.cleaned_data

        def number(name: str) -> int | None:
            return int(data[name]) if data.get(name) else None

        return ResultsFilter(
            since=data["from"],
            until=data["to"],
            standard=number("standard"),
            service=number("service"),
            team=number("team"),
            role=number("role"),
            mode=data.get("mode") or "",
        )


BAND_CHOICES = [(str(band), str(band)) for band in range(10)] + [("none", "none")]


class AuditsBehindForm(ResultsFilterForm):
    """The filter of the figure, and what narrows it to the figure's own audits: a
    criterion (by its stable id), a score band (0 to 9, or none) or a final rating."""

    criterion = forms.CharField(label="Criterion", required=False, max_length=120)
    band = forms.ChoiceField(
        label="Score band",
        required=False,
        choices=[("", "Any score"), *BAND_CHOICES],
        error_messages={"invalid_choice": "Choose a score band from 0 to 9, or none"},
    )
    rating = forms.CharField(label="Rating", required=False, max_length=60)
    TEXT_NAMES = {"criterion": "The criterion’s id", "rating": "The rating"}

    def narrowing(self) -> dict[str, str | int | None]:
        """What narrows the figure, from valid data: criterion, band (None: no score), rating;
        absent keys narrow nothing."""
        data, narrowing = self.cleaned_data, {}
        if data.get("criterion"):
            narrowing["criterion"] = data["criterion"].strip()
        if data.get("band"):
            narrowing["band"] = None if data["band"] == "none" else int(data["band"])
        if "rating" in self.data:
            narrowing["rating"] = (data.get("rating") or "").strip()
        return narrowing
