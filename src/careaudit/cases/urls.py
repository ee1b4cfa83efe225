from django.urls import path

from careaudit.cases import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("import", views.case_import_upload, name="case_import"),
    path("import/columns", views.case_import_columns, name="case_import_columns"),
    path("import/confirm", views.case_import_confirm, name="case_import_confirm"),
]
