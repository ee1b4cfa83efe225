from django.urls import path

from careaudit.insights import views

urlpatterns = [
    path("results/", views.results, name="insights_results"),
    path("audits/", views.audits_behind, name="insights_audits"),
]
