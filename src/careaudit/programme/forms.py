"""Forms for the programme pages. They validate and convert; the services do the work."""

from datetime import date
from decimal import Decimal

from django import forms

from careaudit.cases.models import Case
from careaudit.core.exports import EXPORTS
from careaudit.core.forms import DateField, GovukForm
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.ids import as_id
from careaudit.lib.workdays import is_working_day
from careaudit.organisation.models import Organisation, Service, StaffMember
from careaudit.organisation.selectors import teams_of
from careaudit.programme.models import Programme, RequestMode, RequestStatus
from careaudit.programme.selectors import templates_for
from careaudit.standards.models import AuditTool, SubjectKind, ToolVersion
from careaudit.standards.selectors import subject_kinds

START_MONTHS_BACK = 24
START_MONTHS_AHEAD = 24


def month_choices(today: date) -> list[tuple[str, str]]:
    """Months a programme may start in, from two years ago to two years ahead."""
    first = add_months(month_start(today), -START_MONTHS_BACK)
    months = [add_months(first, i) for i in range(START_MONTHS_BACK + START_MONTHS_AHEAD + 1)]
    return [("", "Choose a month")] + [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]


class ProgrammeCreateForm(GovukForm):
    template = forms.ModelChoiceField(
        queryset=None,
        label="Framework and timetable",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the framework’s programme template"},
    )
    start = forms.ChoiceField(
        label="First month",
        help_text="The programme runs for 12 months from this month, which can be any month. "
        "Each month audits the standard the template gives that calendar month, and the "
        "months the template skips are skipped.",
        error_messages={"required": "Choose the month the programme starts"},
    )
    name = forms.CharField(
        label="Name (optional)",
        required=False,
        max_length=200,
        help_text="For example “Practice quality 2025/26”. Left empty, the template’s name and "
        "the years are used.",
    )
    activate = forms.BooleanField(
        label="Make it active now",
        required=False,
        initial=True,
        help_text="An active programme sends its requests on the first working day of each "
        "month. A draft sends nothing until you activate it.",
    )

    def __init__(self, *args, organisation: Organisation, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        templates = self.fields["template"]
        templates.queryset = templates_for(organisation)
        # A copied framework is named as the copy (standards.services.copy_name), so the
        # library's template and the copy's are told apart by the framework's name.
        templates.label_from_instance = lambda t: f"{t.framework.name}: {t.name}"
        self.fields["start"].choices = month_choices(today)

    def clean_start(self) -> date:
        year, month = (int(part) for part in self.cleaned_data["start"].split("-"))
        return date(year, month, 1)


LATEST, PINNED = "tool", "version"


def tool_choices(tools: list[AuditTool]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The tools a month can use, grouped by framework: each tool's latest published version
    ("tool-<pk>") and, where it has several, each published version on its own
    ("version-<pk>"). Tools for auditing staff or services are left out: the monthly
    requests are for case records."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for tool in tools:
        name = f"{tool.standard.code} {tool.name}"
        options = groups.setdefault(tool.standard.framework.name, [])
        latest = tool.published_versions[0]
        if latest.subject_kind == SubjectKind.CASE:
            options.append(
                (f"{LATEST}-{tool.pk}", f"{name}: latest published (now version {latest.number})")
            )
        if len(tool.published_versions) > 1:
            options.extend(
                (f"{PINNED}-{version.pk}", f"{name}: version {version.number} only")
                for version in tool.published_versions
                if version.subject_kind == SubjectKind.CASE
            )
    return [(framework, options) for framework, options in groups.items() if options]


class MonthToolForm(GovukForm):
    """Which tool (and version) a month not yet drawn uses. Any value naming a tool or a
    version is converted here; whether the month may use it is the service's to say."""

    tool = forms.CharField(
        label="Audit tool",
        help_text="Your organisation’s own tools and the shared library’s. “Latest published” "
        "uses the newest version published when the requests go out; a version “only” keeps "
        "to that version.",
        widget=forms.Select,
        error_messages={"required": "Choose the audit tool the month uses"},
    )
    reason = forms.CharField(
        label="Why are you changing it? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the change in the programme’s timetable changes.",
    )

    def __init__(self, *args, tools: list[AuditTool], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].widget.choices = [("", "Choose a tool"), *tool_choices(tools)]

    @staticmethod
    def initial_for(entry) -> dict[str, str]:
        if entry.tool_version_id:
            return {"tool": f"{PINNED}-{entry.tool_version_id}"}
        return {"tool": f"{LATEST}-{entry.tool_id}"}

    def clean_tool(self) -> tuple[AuditTool, ToolVersion | None]:
        kind, _, pk = self.cleaned_data["tool"].partition("-")
        if as_id(pk) is None:  # an id a database column can hold
            raise forms.ValidationError("Choose one of the tools listed")
        if kind == LATEST:
            tool = AuditTool.objects.select_related("standard__framework").filter(pk=pk).first()
            if tool is not None:
                return tool, None
        if kind == PINNED:
            version = (
                ToolVersion.objects.select_related("tool__standard__framework")
                .filter(pk=pk)
                .first()
            )
            if version is not None:
                return version.tool, version
        raise forms.ValidationError("Choose one of the tools listed")


class RequestFilterForm(GovukForm):
    status = forms.ChoiceField(required=False)
    mode = forms.ChoiceField(label="Kind of audit", required=False)
    team = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All teams", label="Auditor’s team"
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", "All statuses"),
            *RequestStatus.choices,
            ("overdue", "Overdue"),
        ]
        self.fields["mode"].choices = [("", "All kinds"), *RequestMode.choices]
        self.fields["team"].queryset = teams_of(organisation)
        self.fields["team"].label_from_instance = lambda t: f"{t.name} ({t.service.name})"


class CasePickForm(GovukForm):
    """The radios list the person's eligible cases, but any case of the organisation is
    accepted here so that the service can say exactly why a case cannot be chosen."""

    case = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        label="Which case will you self-audit?",
        error_messages={
            "required": "Choose the case you will self-audit",
            "invalid_choice": "Choose one of the cases listed",
        },
    )

    def __init__(self, *args, organisation_id: int, options: list[Case], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["case"]
        field.queryset = Case.objects.filter(organisation_id=organisation_id)
        field.choices = [(c.pk, _case_label(c)) for c in options]


def _case_label(case: Case) -> str:
    status = "open" if case.status == "open" else f"closed {case.closed_on:%-d %B %Y}"
    kind = f"{case.case_type}, " if case.case_type else ""
    return f"{case.case_ref} ({kind}{case.team.name}, {status})"


class DownloadForm(GovukForm):
    kind = forms.ChoiceField(
        label="What do you want to download?", initial="requests", widget=forms.RadioSelect
    )
    month = forms.TypedChoiceField(
        label="From",
        coerce=date.fromisoformat,
        empty_value=None,
        required=False,  # a kind that is not monthly (actions) takes none: see clean()
        help_text="Audits and answers are those of requests sent out in these months. Actions "
        "and repeated findings are all of them, whatever the months.",
    )
    until = forms.TypedChoiceField(
        label="To (optional)",
        coerce=date.fromisoformat,
        empty_value=None,
        required=False,
        help_text="The last month, included. Leave it out for the one month above.",
    )
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("csv", "CSV, for a spreadsheet or a BI tool"),
            ("xlsx", "Excel workbook (.xlsx), with the column names as they are"),
            (
                "xlsx-formatted",
                "Excel workbook (.xlsx) to read: headings in words, dates as dates, Yes and No",
            ),
            ("json", "JSON"),
        ],
        initial="csv",
        widget=forms.RadioSelect,
    )
    pseudonymise = forms.BooleanField(
        label="Replace case references with pseudonyms",
        required=False,
        help_text="The same case always gets the same pseudonym, so the rows can still be "
        "linked, but nobody can work back to the case. Use this when the file leaves the "
        "quality team.",
    )

    def __init__(self, *args, months: list[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.name, f"{kind.label}: {kind.description}") for kind in EXPORTS.values()
        ]
        choices = [(m.isoformat(), f"{m:%B %Y}") for m in months]
        self.fields["month"].choices = choices
        self.fields["until"].choices = [("", "The same month"), *choices]

    def clean(self):
        data = super().clean()
        kind = EXPORTS.get(data.get("kind", ""))
        since, until = data.get("month"), data.get("until")
        if kind is not None and not kind.monthly:
            data["month"] = data["until"] = None
            return data
        if kind is not None and not since and "month" not in self.errors:
            self.add_error("month", "Choose a month")
        if since and until and until < since:
            self.add_error(
                "until",
                f"The last month must be {since:%B %Y} or later: a range runs from the "
                "earlier month to the later one",
            )
        elif since and not until:
            data["until"] = since
        return data


class CancelForm(GovukForm):
    reason = forms.CharField(
        label="Why is this audit being cancelled?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the request’s history and sent to the auditor, for example "
        "“The worker has left and the case has been closed”.",
        error_messages={"required": "Give a reason for cancelling the audit"},
    )


def _person_label(person: StaffMember) -> str:
    """A person as a list of people to choose from names them: name, role and team."""
    return f"{person.full_name} – {person.role.name}" + (
        f", {person.team.name}" if person.team_id else ""
    )


class _DueDateMixin:
    """A due date: a working day after today (`today` and `closures` given to the form)."""

    def clean_due_date(self) -> date | None:
        due = self.cleaned_data["due_date"]
        if due is None:
            return None
        if due <= self.today:
            raise forms.ValidationError("The due date must be in the future")
        if not is_working_day(due, self.closures):
            raise forms.ValidationError(
                f"{due:%A %-d %B %Y} is not a working day: choose a weekday that is not a "
                "bank holiday or a closure day"
            )
        return due


class ReassignForm(_DueDateMixin, GovukForm):
    to = forms.ModelChoiceField(
        queryset=None,
        label="Who should do this audit instead?",
        help_text="Only people the month’s draw could have asked to do this audit.",
        empty_label="Choose a person",
        error_messages={"required": "Choose who should do the audit"},
    )
    due_date = DateField(
        label="Due date",
        required=False,  # left empty: the default shown, `services.reassign_due_date`
        help_text="The later of the present due date and 10 working days from today, unless "
        "you change it, for example 27 3 2027.",
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the request’s history, for example “On leave until the 20th”.",
        error_messages={"required": "Give a reason for reassigning the audit"},
    )

    def __init__(
        self,
        *args,
        candidates: list[StaffMember],
        due_date: date,
        today: date,
        closures: frozenset[date],
        **kwargs,
    ):
        super().__init__(*args, initial={"due_date": due_date}, **kwargs)
        self.today, self.closures = today, closures
        field = self.fields["to"]
        field.queryset = StaffMember.objects.filter(pk__in=[p.pk for p in candidates])
        # The choices are the candidates already loaded, in their order, with no query each.
        field.choices = [("", field.empty_label)] + [(p.pk, _person_label(p)) for p in candidates]


class ExtendForm(_DueDateMixin, GovukForm):
    due_date = DateField(
        label="New due date",
        help_text="A working day after the present due date, for example 27 3 2027.",
        error_messages={"required": "Enter the new due date"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the request’s history, for example “Case file unavailable "
        "until the 12th”.",
        error_messages={"required": "Give a reason for changing the due date"},
    )

    def __init__(self, *args, current: date, today: date, closures: frozenset[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.current, self.today, self.closures = current, today, closures

    def clean_due_date(self) -> date:
        due = super().clean_due_date()
        if due <= self.current:
            raise forms.ValidationError(
                f"Choose a date after the present due date, {self.current:%-d %B %Y}"
            )
        return due


class ExtraRequestForm(_DueDateMixin, GovukForm):
    standard = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose a standard",
        error_messages={"required": "Choose the standard to audit"},
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose teams, services or both.",
    )
    services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    staff = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Staff members",
        help_text="For a standard whose audit tool is of staff members, such as a spot check: "
        "each person chosen is audited once.",
    )
    number = forms.IntegerField(
        label="Number of cases",
        required=False,
        help_text="For a standard whose audit tool is of cases. A tool of services audits each "
        "service chosen once.",
        min_value=1,
        max_value=1000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the number of cases to audit",
            "invalid": "Enter the number of cases as a whole number, like 10",
            "min_value": "Ask for at least 1 case",
            "max_value": "Ask for 1,000 cases or fewer",
        },
    )
    due_date = DateField(
        label="Due date",
        help_text="A working day in the future, for example 27 3 2027.",
        error_messages={"required": "Enter the date the audits are due"},
    )
    reason = forms.CharField(
        label="Why the board asked for these audits",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the board’s reason for the extra audits"},
    )

    def __init__(
        self, *args, programme: Programme, closures: frozenset[date], today: date, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.closures, self.today = closures, today
        self.fields["standard"].queryset = programme.framework.standards.order_by("position")
        kinds = subject_kinds(programme.framework)
        self.fields["standard"].label_from_instance = lambda s: (
            f"{s.code} {s.title}"
            + (
                f" – audits {KIND_PLURALS[kinds[s.pk]]}"
                if kinds.get(s.pk, "case") != "case"
                else ""
            )
        )
        if SubjectKind.STAFF in kinds.values():
            self.fields["staff"].queryset = (
                StaffMember.objects.current(on=today)
                .filter(organisation=programme.organisation)
                .select_related("user", "role", "team")
            )
            self.fields["staff"].label_from_instance = _person_label
        else:
            # Nothing here audits staff members: a council is not shown all its people.
            del self.fields["staff"]
        self.fields["teams"].queryset = teams_of(programme.organisation)
        self.fields["teams"].label_from_instance = lambda t: f"{t.name} ({t.service.name})"
        self.fields["services"].queryset = Service.objects.filter(
            organisation=programme.organisation
        )

    def clean(self):
        data = super().clean()
        chosen = data.get("teams") or data.get("services") or data.get("staff")
        if not chosen and not self.has_error("teams"):
            self.add_error(
                "teams",
                "Choose at least one team, service or staff member"
                if "staff" in self.fields
                else "Choose at least one team or service",
            )
        return data


KIND_PLURALS = {SubjectKind.STAFF: "staff members", SubjectKind.SERVICE: "services"}


class ClosureDayForm(GovukForm):
    day = DateField(
        label="Date",
        help_text="For example 24 12 2026.",
        error_messages={"required": "Enter the date the organisation is closed"},
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=200,
        help_text="For example “Staff development day”.",
    )


CONFIDENCE_LEVELS = {"95": 0.95, "90": 0.90, "80": 0.80}


class SampleSizeForm(GovukForm):
    population = forms.IntegerField(
        label="Number of cases in the population (N)",
        help_text="All the cases you could audit, for example every open case in the team.",
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the number of cases in the population",
            "invalid": "Enter the number of cases as a whole number of 1 or more, like 400",
            "min_value": "The number of cases must be 1 or more",
        },
    )
    expected_compliance = forms.DecimalField(
        label="Expected compliance, in % (p)",
        help_text="What share of cases you expect to meet the standard. If you do not know, "
        "use 50: it gives the largest sample.",
        min_value=Decimal("0.1"),
        max_value=Decimal("99.9"),
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the expected compliance, or 50 if you do not know",
            "invalid": "Enter the expected compliance as a number, like 70",
            "min_value": "Expected compliance must be more than 0%%",
            "max_value": "Expected compliance must be less than 100%%",
            "max_decimal_places": "Enter the expected compliance with at most 1 decimal place",
        },
    )
    margin = forms.DecimalField(
        label="Margin of error, in percentage points (A)",
        help_text="How close to the true compliance the result must be: 5 means ±5%.",
        min_value=Decimal("0.1"),
        max_value=Decimal("50"),
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the margin of error, for example 5",
            "invalid": "Enter the margin of error as a number, like 5",
            "min_value": "The margin of error must be more than 0",
            "max_value": "The margin of error must be 50 or less",
            "max_decimal_places": "Enter the margin of error with at most 1 decimal place",
        },
    )
    confidence = forms.ChoiceField(
        label="Confidence level",
        choices=[("95", "95%"), ("90", "90%"), ("80", "80%")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a confidence level"},
    )

    INITIAL = {"expected_compliance": 50, "margin": 5, "confidence": "95"}
