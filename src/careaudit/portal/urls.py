from django.contrib import admin
from django.urls import include, path

from careaudit.accounts import views as account_views
from careaudit.portal import views as portal_views
from careaudit.portal import views_logs

admin.site.site_header = "Care Audit administration"
admin.site.site_title = "Care Audit administration"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("accessibility", portal_views.accessibility, name="accessibility"),
    path("logs/", views_logs.audit_log, name="audit_log"),
    path("logs/subject-access", views_logs.subject_access, name="subject_access"),
    path("people/import/", include("careaudit.organisation.import_urls")),
    path("people/api-tokens/", include("careaudit.api.urls_tokens")),
    path("people/", include("careaudit.organisation.urls")),
    path("cases/", include("careaudit.cases.urls")),
    path("standards/", include("careaudit.standards.urls")),
    path("audits/", include("careaudit.audits.urls")),
    path("programme/", include("careaudit.programme.urls")),
    path("my-audits/", include("careaudit.programme.my_urls")),
    path("moderation/", include("careaudit.audits.urls_moderation")),
    path("feedback/", include("careaudit.audits.urls_feedback")),  # open without sign-in
    path("supervision/", include("careaudit.audits.urls_supervision")),
    path("actions/", include("careaudit.improvement.urls")),
    path("you-said-we-did/", include("careaudit.improvement.urls_public")),
    path("agreement/", include("careaudit.audits.urls_agreement")),
    path("insights/", include("careaudit.insights.urls")),
    path("reports/", include("careaudit.insights.urls_reports")),
    path("api/", include(("careaudit.api.urls", "api"), namespace="api")),
    path("account/", include("careaudit.accounts.urls")),
    # Before allauth's own: nobody changes their sign-in address themselves.
    path(
        "accounts/email/",
        account_views.email_managed_by_organisation,
        name="account_email",
    ),
    path("accounts/", include("allauth.urls")),
    # The admin signs in through the same page as everyone else, so two-factor applies.
    path("admin/login/", portal_views.admin_login),
    path("admin/", admin.site.urls),
]
