from django.urls import path

from careaudit.improvement import views, views_escalation, views_governance, views_repeated

urlpatterns = [
    path("", views.action_tracker, name="action_tracker"),
    path("findings/", views.findings_needing_action, name="findings_needing_action"),
    path("new/", views.action_create, name="action_create"),
    path("rules/", views_escalation.improvement_rules, name="improvement_rules"),
    path(
        "calibration/<int:pk>/clear",
        views_escalation.calibration_clear,
        name="calibration_clear",
    ),
    path("repeated/", views_repeated.repeated_list, name="repeated_list"),
    path("repeated/<int:pk>/", views_repeated.repeated_detail, name="repeated_detail"),
    path("repeated/<int:pk>/act", views_repeated.repeated_act, name="repeated_act"),
    path("repeated/<int:pk>/link", views_repeated.repeated_link, name="repeated_link"),
    path("<int:pk>/", views.action_detail, name="action_detail"),
    path("<int:pk>/edit", views.action_edit, name="action_edit"),
    path("<int:pk>/move", views.action_move, name="action_move"),
    path("<int:pk>/updates", views.action_update_add, name="action_update_add"),
    path("<int:pk>/checks", views.action_check_add, name="action_check_add"),
    path(
        "<int:pk>/updates/<int:update_pk>/evidence",
        views.action_evidence,
        name="action_evidence",
    ),
    # Governance meetings
    path("meetings/", views_governance.meeting_list, name="meeting_list"),
    path("meetings/new", views_governance.meeting_create, name="meeting_create"),
    path("meetings/agenda-pack.pdf", views_governance.agenda_pack_next, name="agenda_pack_next"),
    path("meetings/<int:pk>/", views_governance.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit", views_governance.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/decisions", views_governance.decision_add, name="decision_add"),
    path(
        "meetings/<int:pk>/agenda-pack.pdf",
        views_governance.meeting_agenda_pack,
        name="meeting_agenda_pack",
    ),
    path("decisions/<int:pk>/remove", views_governance.decision_remove, name="decision_remove"),
]
