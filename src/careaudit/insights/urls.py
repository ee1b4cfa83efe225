from django.urls import path

from careaudit.insights import views, views_comparison

urlpatterns = [
    path("results/", views.results, name="insights_results"),
    path("comparison/", views_comparison.comparison_page, name="insights_comparison"),
    path("audits/", views.audits_behind, name="insights_audits"),
]
