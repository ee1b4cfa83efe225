from django.urls import path

from careaudit.organisation import views

urlpatterns = [
    path("", views.people_list, name="people_list"),
    path("add", views.person_add, name="person_add"),
    path("organisation", views.organisation_settings, name="organisation_settings"),
    path("<int:pk>/email", views.person_email_change, name="person_email_change"),
    path("<int:pk>/deactivate", views.person_deactivate, name="person_deactivate"),
    path("<int:pk>/reactivate", views.person_reactivate, name="person_reactivate"),
]
