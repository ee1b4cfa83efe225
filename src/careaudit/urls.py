from django.contrib import admin
from django.urls import include, path

from careaudit.core import views as core_views
from careaudit.core import views_records

admin.site.site_header = "Care Audit administration"
admin.site.site_title = "Care Audit administration"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accessibility", core_views.accessibility, name="accessibility"),
    path("logs/", views_records.audit_log, name="audit_log"),
    path("logs/subject-access", views_records.subject_access, name="subject_access"),
    path("people/import/", include("careaudit.organisation.import_urls")),
    path("people/", include("careaudit.organisation.urls")),
    path("cases/", include("careaudit.cases.urls")),
    path("standards/", include("careaudit.standards.urls")),
    path("audits/", include("careaudit.audits.urls")),
    path("programme/", include("careaudit.programme.urls")),
    path("my-audits/", include("careaudit.programme.my_urls")),
    path("moderation/", include("careaudit.audits.urls_moderation")),
    path("feedback/", include("careaudit.audits.urls_feedback")),  # open without sign-in
    path("supervision/", include("careaudit.audits.urls_supervision")),
    path("agreement/", include("careaudit.audits.urls_agreement")),
    path("account/", include("careaudit.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # The admin signs in through the same page as everyone else, so two-factor applies.
    path("admin/login/", core_views.admin_login),
    path("admin/", admin.site.urls),
]
