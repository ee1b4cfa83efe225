from django.urls import path

from careaudit.audits import views

urlpatterns = [
    path("start/<int:request_pk>", views.audit_start, name="audit_start"),
    path("<int:pk>/", views.audit_form, name="audit_form"),
    path("<int:pk>/view", views.audit_detail, name="audit_detail"),
    path("<int:pk>/pdf", views.audit_pdf, name="audit_pdf"),
    path("<int:pk>/answers/<int:criterion_pk>", views.audit_answer_save, name="audit_answer_save"),
    # part: "section-<pk>" for a section of criteria, or "voice", "involvement", "development"
    path("<int:pk>/save/<slug:part>", views.audit_section_save, name="audit_section_save"),
    path("<int:pk>/findings/add", views.audit_finding_add, name="audit_finding_add"),
    path(
        "<int:pk>/findings/<int:finding_pk>/remove",
        views.audit_finding_remove,
        name="audit_finding_remove",
    ),
    path("<int:pk>/override", views.audit_override, name="audit_override"),
    path("<int:pk>/submit", views.audit_submit, name="audit_submit"),
    path(
        "<int:pk>/feedback-links",
        views.audit_feedback_link_create,
        name="audit_feedback_link_create",
    ),
    path(
        "<int:pk>/feedback-links/email",
        views.audit_feedback_link_email,
        name="audit_feedback_link_email",
    ),
    path(
        "<int:pk>/feedback-links/letter",
        views.audit_feedback_letter,
        name="audit_feedback_letter",
    ),
    path("<int:pk>/comments", views.audit_worker_comment_add, name="audit_worker_comment_add"),
]
