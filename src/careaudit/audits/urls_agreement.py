from django.urls import path

from careaudit.audits import views_stats as views

urlpatterns = [
    path("", views.agreement, name="agreement"),
]
