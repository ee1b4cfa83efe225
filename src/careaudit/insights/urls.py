"""The insights pages, under /insights/: results, comparison, change over time (SPC), themes
and the people's voice, and the audits behind a figure. Board reports are under /reports/."""

from django.urls import path

from careaudit.insights import views, views_comparison, views_evidence, views_spc, views_themes

urlpatterns = [
    path("results/", views.results, name="insights_results"),
    path("comparison/", views_comparison.comparison_page, name="insights_comparison"),
    path("spc/", views_spc.spc_page, name="insights_spc"),
    path("spc/settings/<path:measure>/", views_spc.spc_settings_page, name="insights_spc_settings"),
    path("themes/", views_themes.themes_dashboard, name="insights_themes"),
    path("themes/<int:pk>/", views_themes.theme_findings, name="insights_theme"),
    path("voice/", views_themes.voice_dashboard, name="insights_voice"),
    path("audits/", views.audits_behind, name="insights_audits"),
    path("evidence/", views_evidence.evidence_index_page, name="insights_evidence"),
    path("evidence/folder/", views_evidence.evidence_folder, name="insights_evidence_folder"),
    path(
        "evidence/<str:code>/",
        views_evidence.evidence_statement_page,
        name="insights_evidence_statement",
    ),
    path(
        "evidence/<str:code>/download/",
        views_evidence.evidence_download,
        name="insights_evidence_download",
    ),
]
