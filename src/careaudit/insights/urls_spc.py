from django.urls import path

from careaudit.insights import views_spc

urlpatterns = [
    path("spc/", views_spc.spc_page, name="insights_spc"),
    path("spc/settings/<path:measure>/", views_spc.spc_settings_page, name="insights_spc_settings"),
]
