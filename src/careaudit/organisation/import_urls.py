from django.urls import path

from careaudit.organisation import import_views

urlpatterns = [
    path("", import_views.staff_import_upload, name="staff_import"),
    path("confirm", import_views.staff_import_confirm, name="staff_import_confirm"),
]
