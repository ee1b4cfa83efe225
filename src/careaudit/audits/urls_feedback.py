from django.urls import path

from careaudit.audits import views_feedback as views

urlpatterns = [
    path("thank-you", views.feedback_thanks, name="feedback_thanks"),
    path("<str:token>", views.feedback_form, name="feedback_form"),
]
