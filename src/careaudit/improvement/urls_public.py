"""“You said, we did”: what audits and people's feedback showed, what changed, the result."""

from django.urls import path

from careaudit.improvement import views_governance

urlpatterns = [
    path("", views_governance.you_said_we_did, name="you_said_we_did"),
    path("print", views_governance.you_said_we_did_print, name="you_said_we_did_print"),
    path("<int:pk>/wording", views_governance.public_wording_edit, name="public_wording_edit"),
]
