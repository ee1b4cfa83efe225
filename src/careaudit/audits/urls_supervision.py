from django.urls import path

from careaudit.audits import views_supervision as views

urlpatterns = [
    path("", views.supervision_list, name="supervision_list"),
    path("<int:pk>/record", views.supervision_record, name="supervision_record"),
]
