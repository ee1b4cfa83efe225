from django.urls import path

from careaudit.insights import views_reports

urlpatterns = [
    path("", views_reports.reports, name="reports"),
    path("<int:pk>/", views_reports.report_job, name="report_job"),
    path("<int:pk>/download", views_reports.report_download, name="report_download"),
]
