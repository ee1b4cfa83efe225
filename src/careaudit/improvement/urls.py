from django.urls import path

from careaudit.improvement import views, views_repeated

urlpatterns = [
    path("", views.action_tracker, name="action_tracker"),
    path("findings/", views.findings_needing_action, name="findings_needing_action"),
    path("new/", views.action_create, name="action_create"),
    path("repeated/", views_repeated.repeated_list, name="repeated_list"),
    path("repeated/<int:pk>/", views_repeated.repeated_detail, name="repeated_detail"),
    path("repeated/<int:pk>/act", views_repeated.repeated_act, name="repeated_act"),
    path("repeated/<int:pk>/link", views_repeated.repeated_link, name="repeated_link"),
    path("<int:pk>/", views.action_detail, name="action_detail"),
    path("<int:pk>/edit", views.action_edit, name="action_edit"),
    path("<int:pk>/move", views.action_move, name="action_move"),
    path("<int:pk>/updates", views.action_update_add, name="action_update_add"),
    path(
        "<int:pk>/updates/<int:update_pk>/evidence",
        views.action_evidence,
        name="action_evidence",
    ),
]
