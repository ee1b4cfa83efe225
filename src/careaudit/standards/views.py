"""Standards pages: browse and search the library, copy, build and publish audit tools.

Every view reads through one of the `get_*_for_user` helpers in `standards/access.py`,
which decide who may see (404 for another organisation's content) and change (403) what. The tool
builder's views answer an htmx request with the builder partial (`standards/_builder.html`)
and a plain form post with a redirect, so the builder works without JavaScript too.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from careaudit.core.pdf import render_pdf
from careaudit.lib.ids import as_id
from careaudit.lib.scoring import Scale
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.models import Capability
from careaudit.standards import selectors, services
from careaudit.standards.access import (
    can_change,
    get_criterion_for_user,
    get_framework_for_user,
    get_section_for_user,
    get_standard_for_user,
    get_theme_for_user,
    get_tool_for_user,
    get_version_for_user,
)
from careaudit.standards.forms import (
    CompareForm,
    CriterionForm,
    FrameworkCreateForm,
    MoveForm,
    PublishForm,
    SearchForm,
    SectionForm,
    ThemeForm,
    ToolCopyForm,
    VersionSettingsForm,
)
from careaudit.standards.models import Criterion, Section, ToolVersion
from careaudit.standards.services import ChangeRefused


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one, so that it shows its errors), else None."""
    return request.POST if request.method == "POST" else None


# --- Browse ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def framework_list(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    frameworks = list(selectors.frameworks_for(staff.organisation))
    return render(
        request,
        "standards/framework_list.html",
        {
            "form": form,
            "results": selectors.search(staff.organisation, query) if query else None,
            "own": [f for f in frameworks if not f.is_library],
            "library": [f for f in frameworks if f.is_library],
            "can_manage": staff.can(Capability.MANAGE_PROGRAMME),
        },
    )


@require_http_methods(["GET"])
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_framework_for_user(request, pk)
    staff = require_staff(request)
    return render(
        request,
        "standards/framework_detail.html",
        {
            "framework": framework,
            "standards": [
                (standard, [(tool, selectors.current_of(tool)) for tool in standard.tools.all()])
                for standard in selectors.framework_standards(framework)
            ],
            "themes": list(framework.themes.order_by("position", "name")),
            "templates": list(framework.programme_templates.order_by("name")),
            "can_change": can_change(staff, framework),
            "can_copy": staff.can(Capability.MANAGE_PROGRAMME),
        },
    )


@require_http_methods(["GET"])
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    standard = get_standard_for_user(request, pk)
    tools = selectors.standard_tools(standard)
    return render(
        request,
        "standards/standard_detail.html",
        {
            "standard": standard,
            "framework": standard.framework,
            "tools": [(t, selectors.current_of(t), selectors.draft_of(t)) for t in tools],
        },
    )


@require_http_methods(["GET"])
def tool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_tool_for_user(request, pk)
    staff = require_staff(request)
    versions = selectors.tool_versions(tool)
    numbers = sorted(v.number for v in versions)
    compare_form = None
    if len(numbers) > 1:
        compare_form = CompareForm(
            initial={"from": numbers[-2], "to": numbers[-1]}, numbers=numbers
        )
    return render(
        request,
        "standards/tool_detail.html",
        {
            "tool": tool,
            "framework": tool.standard.framework,
            "versions": versions,
            "current": next((v for v in versions if not v.is_draft), None),
            "draft": next((v for v in versions if v.is_draft), None),
            "can_change": can_change(staff, tool.standard.framework),
            "can_copy": staff.can(Capability.MANAGE_PROGRAMME),
            "compare_form": compare_form,
        },
    )


@require_http_methods(["GET"])
def tool_compare(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_tool_for_user(request, pk)
    versions = {v.number: v for v in tool.versions.select_related("tool__standard__framework")}
    form = CompareForm(request.GET or None, numbers=sorted(versions))
    comparison = None
    if form.is_valid():
        older, newer = sorted((form.cleaned_data["from"], form.cleaned_data["to"]))
        comparison = services.versions_compare(versions[older], versions[newer])
    return render(
        request,
        "standards/tool_compare.html",
        {
            "tool": tool,
            "framework": tool.standard.framework,
            "form": form,
            "comparison": comparison,
        },
    )


@require_http_methods(["GET"])
def version_preview(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request, pk)
    return render(request, "standards/version_preview.html", _version_context(version))


@require_http_methods(["GET"])
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable blank audit form of any version, for audits done on paper."""
    version = get_version_for_user(request, pk)
    content = render_pdf(
        "standards/print/version.html",
        _version_context(version),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{slugify(version.tool.key) or 'audit-tool'}-v{version.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _version_context(version: ToolVersion) -> dict:
    """What the preview page and the printed form show of a version."""
    return {
        "version": version,
        "tool": version.tool,
        "standard": version.tool.standard,
        "framework": version.tool.standard.framework,
        "sections": selectors.version_sections(version),
        "count_scale": Scale.COUNT.value,
        "free_text_scale": Scale.FREE_TEXT.value,
    }


# --- Copy -----------------------------------------------------------------------------


@capability_required(Capability.MANAGE_PROGRAMME)
@require_http_methods(["GET", "POST"])
def framework_copy(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_framework_for_user(request, pk)
    staff = require_staff(request)
    if request.method == "POST":
        try:
            copy = services.framework_copy(
                framework=framework, organisation=staff.organisation, by=require_staff(request)
            )
        except ChangeRefused as error:
            messages.error(request, str(error))
            return redirect("framework_detail", framework.pk)
        messages.success(request, f"{copy.name} has been copied. This copy is yours to change.")
        return redirect("framework_detail", copy.pk)
    return render(request, "standards/framework_copy.html", {"framework": framework})


@capability_required(Capability.MANAGE_PROGRAMME)
@require_http_methods(["GET", "POST"])
def tool_copy(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_tool_for_user(request, pk)
    staff = require_staff(request)
    frameworks = selectors.owned_frameworks(staff.organisation)
    form = ToolCopyForm(_posted(request), frameworks=frameworks)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.tool_copy(
                tool=tool,
                into=form.cleaned_data["framework"],
                organisation=staff.organisation,
                by=staff,
            )
        except ChangeRefused as error:
            messages.error(request, str(error))
            return redirect("tool_detail", tool.pk)
        messages.success(
            request,
            f"{tool.name} has been copied into {copy.standard.framework}. "
            "This copy is yours to change.",
        )
        return redirect("tool_detail", copy.pk)
    owns_none = not frameworks.exists()
    return render(
        request,
        "standards/tool_copy.html",
        {
            "tool": tool,
            "framework": tool.standard.framework,
            "form": form,
            "owns_none": owns_none,
            "new_name": services.copy_name(tool.standard.framework, staff.organisation)
            if owns_none
            else "",
        },
    )


@capability_required(Capability.MANAGE_PROGRAMME)
@require_http_methods(["GET", "POST"])
def framework_create(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    # Coming from "copy a tool" with no framework to copy into: go back there afterwards.
    tool_pk = request.GET.get("tool", "")
    tool = get_tool_for_user(request, as_id(tool_pk)) if as_id(tool_pk) is not None else None
    form = FrameworkCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            framework = services.framework_create(
                organisation=staff.organisation, **form.cleaned_data
            )
        except ChangeRefused as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{framework.name} has been created.")
            if tool is not None:
                return redirect("tool_copy", tool.pk)
            return redirect("framework_detail", framework.pk)
    return render(request, "standards/framework_create.html", {"form": form, "tool": tool})


# --- Themes ---------------------------------------------------------------------------


@require_http_methods(["POST"])
def theme_add(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_framework_for_user(request, pk, write=True)
    form = ThemeForm(request.POST)
    if form.is_valid():
        try:
            theme = services.theme_add(framework=framework, name=form.cleaned_data["name"])
        except ChangeRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The theme {theme.name} has been added.")
    else:
        messages.error(request, "Enter a name for the theme.")
    return redirect(reverse("framework_detail", args=[framework.pk]) + "#themes")


@require_http_methods(["GET", "POST"])
def theme_rename(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk, write=True)
    form = ThemeForm(request.POST or None, initial={"name": theme.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_rename(theme=theme, name=form.cleaned_data["name"])
        except ChangeRefused as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"The theme has been renamed {theme.name}.")
            return redirect(reverse("framework_detail", args=[theme.framework_id]) + "#themes")
    return render(
        request,
        "standards/theme_rename.html",
        {"theme": theme, "framework": theme.framework, "form": form},
    )


# --- The tool builder -----------------------------------------------------------------


def _builder(request: HttpRequest, version: ToolVersion, **state) -> HttpResponse:
    """The builder partial, for htmx; `state` says what is open in it (a form, a question)."""
    return render(
        request, "standards/_builder.html", _builder_context(version, partial=True, **state)
    )


def _builder_context(
    version: ToolVersion,
    *,
    focus: tuple[str, int | None, str] = ("", None, ""),
    new_section_form: SectionForm | None = None,
    **state,
) -> dict:
    """What the builder shows; `focus` is (kind, pk, direction) of the control just used."""
    focus_kind, focus_pk, focus_dir = focus
    return {
        "version": version,
        "tool": version.tool,
        "framework": version.tool.standard.framework,
        "sections": selectors.version_sections(version),
        "rating_scheme": services.RATING_SCHEME_LABELS.get(version.rating_scheme, ""),
        "new_section_form": new_section_form or SectionForm(auto_id="id_new_section_%s"),
        "focus_kind": focus_kind,
        "focus_pk": focus_pk,
        "focus_dir": focus_dir,
        **state,
    }


def _changed(
    request: HttpRequest, version: ToolVersion, message: str, anchor: str = "", **state
) -> HttpResponse:
    """After a successful change: the fresh builder for htmx, a redirect otherwise."""
    messages.success(request, message)
    if request.htmx:
        return _builder(request, version, **state)
    return redirect(reverse("version_builder", args=[version.pk]) + anchor)


def _refused(request: HttpRequest, version: ToolVersion, error: ChangeRefused) -> HttpResponse:
    """A change the rules refused: say why, change nothing, show the builder or the tool."""
    messages.error(request, str(error))
    version.refresh_from_db(fields=["status"])
    url = (
        reverse("version_builder", args=[version.pk])
        if version.is_draft
        else reverse("tool_detail", args=[version.tool_id])
    )
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


@require_http_methods(["POST"])
def tool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_tool_for_user(request, pk, write=True)
    try:
        version = services.version_start_draft(tool=tool, by=require_staff(request))
    except ChangeRefused as error:
        messages.error(request, str(error))
        return redirect("tool_detail", tool.pk)
    return redirect("version_builder", version.pk)


@require_http_methods(["GET"])
def version_builder(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request, pk, write=True)
    if not version.is_draft:
        # The builder only ever edits drafts; a published version is changed by editing.
        return redirect("tool_detail", version.tool_id)
    if request.htmx:
        return _builder(request, version)
    return render(request, "standards/version_builder.html", _builder_context(version))


def _form_page(
    request: HttpRequest, version: ToolVersion, template: str, form, **context
) -> HttpResponse:
    """A builder form that is open: inside the builder for htmx, its own page otherwise."""
    if request.htmx:
        if form is not None:
            # The form replaced the control that opened it: move the focus into it.
            fields = [f for f in form.visible_fields() if f.errors] or form.visible_fields()
            fields[0].field.widget.attrs["autofocus"] = True
        return _builder(request, version, form=form, **context)
    return render(
        request,
        template,
        {
            "version": version,
            "tool": version.tool,
            "framework": version.tool.standard.framework,
            "form": form,
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
def version_settings(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request, pk, write=True)
    form = VersionSettingsForm(
        request.POST or None,
        initial=VersionSettingsForm.initial_for(version),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update_settings(version=version, **form.cleaned_data)
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(request, version, "The rating settings have been saved.", "#settings")
    return _form_page(
        request, version, "standards/version_settings.html", form, editing_settings=True
    )


@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request, pk, write=True)
    form = SectionForm(request.POST or None, auto_id="id_new_section_%s")
    if request.method == "POST" and form.is_valid():
        try:
            section = services.draft_add_section(version=version, title=form.cleaned_data["title"])
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(
            request,
            version,
            f"The section “{section.title}” has been added.",
            f"#section-{section.pk}",
            focus=("section", section.pk, ""),
        )
    if request.htmx:
        return _builder(request, version, new_section_form=form)
    return _form_page(request, version, "standards/section_form.html", form, section=None)


@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_section_for_user(request, pk, write=True)
    version = section.version
    form = SectionForm(
        request.POST or None, initial={"title": section.title}, auto_id=f"id_section_{pk}_%s"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_update_section(section=section, title=form.cleaned_data["title"])
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(
            request,
            version,
            f"The section has been renamed “{section.title}”.",
            f"#section-{section.pk}",
            focus=("section", section.pk, ""),
        )
    return _form_page(
        request,
        version,
        "standards/section_form.html",
        form,
        section=section,
        editing_section=section.pk,
    )


@require_http_methods(["GET", "POST"])
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_section_for_user(request, pk, write=True)
    version = section.version
    if request.method == "POST":
        try:
            services.draft_delete_section(section=section)
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(request, version, f"The section “{section.title}” has been deleted.")
    return _form_page(
        request,
        version,
        "standards/confirm_delete.html",
        None,
        thing=section,
        kind="section",
        deleting_section=section.pk,
        delete_url=reverse("section_delete", args=[section.pk]),
    )


@require_http_methods(["POST"])
def section_move(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_section_for_user(request, pk, write=True)
    return _move(request, section, services.draft_move_section, "section")


def _move(request: HttpRequest, item: Section | Criterion, service, kind: str) -> HttpResponse:
    version = item.version if isinstance(item, Section) else item.section.version
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, version, ChangeRefused("Choose to move it up or down."))
    direction = form.cleaned_data["direction"]
    try:
        service(**{kind: item}, direction=direction)
    except ChangeRefused as error:
        return _refused(request, version, error)
    name = item.title if isinstance(item, Section) else item.text
    return _changed(
        request,
        version,
        f"Moved “{name[:60]}” {direction}.",
        f"#{kind}-{item.pk}",
        focus=(kind, item.pk, direction),
    )


@require_http_methods(["GET", "POST"])
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_section_for_user(request, pk, write=True)
    version = section.version
    form = CriterionForm(
        request.POST or None,
        framework=version.tool.standard.framework,
        auto_id=f"id_new_{pk}_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            criterion = services.draft_add_criterion(section=section, **form.cleaned_data)
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(
            request,
            version,
            "The criterion has been added.",
            f"#criterion-{criterion.pk}",
            focus=("criterion", criterion.pk, ""),
        )
    return _form_page(
        request,
        version,
        "standards/criterion_form.html",
        form,
        section=section,
        criterion=None,
        adding_to=section.pk,
    )


@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_criterion_for_user(request, pk, write=True)
    version = criterion.section.version
    form = CriterionForm(
        request.POST or None,
        framework=version.tool.standard.framework,
        initial=CriterionForm.initial_for(criterion),
        auto_id=f"id_criterion_{pk}_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_update_criterion(criterion=criterion, **form.cleaned_data)
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(
            request,
            version,
            "The criterion has been saved.",
            f"#criterion-{criterion.pk}",
            focus=("criterion", criterion.pk, ""),
        )
    return _form_page(
        request,
        version,
        "standards/criterion_form.html",
        form,
        section=criterion.section,
        criterion=criterion,
        editing_criterion=criterion.pk,
    )


@require_http_methods(["GET", "POST"])
def criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_criterion_for_user(request, pk, write=True)
    version = criterion.section.version
    if request.method == "POST":
        try:
            services.draft_delete_criterion(criterion=criterion)
        except ChangeRefused as error:
            return _refused(request, version, error)
        return _changed(request, version, "The criterion has been deleted.")
    return _form_page(
        request,
        version,
        "standards/confirm_delete.html",
        None,
        thing=criterion,
        kind="criterion",
        deleting_criterion=criterion.pk,
        delete_url=reverse("criterion_delete", args=[criterion.pk]),
    )


@require_http_methods(["POST"])
def criterion_move(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_criterion_for_user(request, pk, write=True)
    return _move(request, criterion, services.draft_move_criterion, "criterion")


@require_http_methods(["GET", "POST"])
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request, pk, write=True)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_publish(
                version=version, by=require_staff(request), note=form.cleaned_data["note"]
            )
        except ChangeRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Version {version.number} of {version.tool.name} has been published. "
                "New audits will use it; audits already started keep their version.",
            )
            return redirect("tool_detail", version.tool_id)
    elif not version.is_draft:
        return redirect("tool_detail", version.tool_id)
    return render(
        request,
        "standards/version_publish.html",
        {
            "version": version,
            "tool": version.tool,
            "framework": version.tool.standard.framework,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def version_discard(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request, pk, write=True)
    if request.method == "POST":
        try:
            services.version_discard(version=version)
        except ChangeRefused as error:
            return _refused(request, version, error)
        messages.success(request, f"The draft version {version.number} has been discarded.")
        return redirect("tool_detail", version.tool_id)
    if not version.is_draft:
        return redirect("tool_detail", version.tool_id)
    return render(
        request,
        "standards/version_discard.html",
        {"version": version, "tool": version.tool, "framework": version.tool.standard.framework},
    )
