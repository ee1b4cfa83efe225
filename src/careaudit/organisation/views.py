from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from careaudit.organisation.access import (
    capability_required,
    get_person_for_admin,
    require_staff,
)
from careaudit.organisation.forms import (
    OrganisationSettingsForm,
    PeopleFilterForm,
    PersonEmailForm,
    PersonForm,
)
from careaudit.organisation.models import Capability
from careaudit.organisation.selectors import staff_list
from careaudit.organisation.services import (
    organisation_settings_update,
    staff_create,
    staff_deactivate,
    staff_email_change,
    staff_reactivate,
)


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET"])
def people_list(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    form = PeopleFilterForm(request.GET or None, organisation=organisation)
    filters = form.cleaned_data if form.is_valid() else {}
    people = staff_list(
        organisation,
        team=filters.get("team"),
        role=filters.get("role"),
        include_inactive=filters.get("include_inactive", False),
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organisation/people_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "organisation": organisation},
    )


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    form = PersonForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        person = staff_create(organisation=organisation, **form.cleaned_data)
        messages.success(
            request,
            f"{person.full_name} has been added. They can set a password with "
            "“Forgotten your password?” on the sign-in page, or sign in with single sign-on.",
        )
        return redirect("people_list")
    return render(request, "organisation/person_add.html", {"form": form})


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_admin(request, pk)
    if person.user_id == request.user.pk:
        messages.error(request, "You cannot deactivate your own account.")
        return redirect("people_list")
    if request.method == "POST":
        staff_deactivate(staff=person)
        messages.success(request, f"{person.full_name} has been deactivated and signed out.")
        return redirect("people_list")
    return render(request, "organisation/person_deactivate.html", {"person": person})


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def person_email_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Give someone a new sign-in address: only an administrator may, and it is logged."""
    person = get_person_for_admin(request, pk)
    form = PersonEmailForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        staff_email_change(staff=person, email=form.cleaned_data["email"])
        messages.success(request, f"{person.full_name} now signs in with {person.email}.")
        return redirect("people_list")
    return render(
        request,
        "organisation/person_email.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.ADMINISTER)
@require_http_methods(["POST"])
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_admin(request, pk)
    staff_reactivate(staff=person)
    messages.success(request, f"{person.full_name} can sign in again.")
    return redirect("people_list")


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest) -> HttpResponse:
    """The organisation's name and how people reach it, shown wherever people give feedback."""
    organisation = require_staff(request).organisation
    form = OrganisationSettingsForm.for_organisation(organisation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation_settings_update(organisation=organisation, **form.cleaned_data)
        messages.success(request, "The organisation’s details have been saved.")
        return redirect("organisation_settings")
    return render(
        request,
        "organisation/settings.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )
