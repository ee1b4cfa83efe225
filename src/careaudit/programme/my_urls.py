from django.urls import path

from careaudit.programme import views

urlpatterns = [
    path("", views.my_audits, name="my_audits"),
    path("team", views.team_requests, name="team_requests"),
    path("<int:pk>", views.request_detail, name="request_detail"),
    path("<int:pk>/choose-case", views.request_pick, name="request_pick"),
    path("<int:pk>/reassign", views.request_reassign, name="request_reassign"),
    path("<int:pk>/cancel", views.request_cancel, name="request_cancel"),
    path("<int:pk>/due-date", views.request_extend, name="request_extend"),
    path("<int:pk>/find-case", views.request_find_case, name="request_find_case"),
]
