from django.urls import path

from careaudit.audits import views_moderation as views

urlpatterns = [
    path("", views.moderation_list, name="moderation_list"),
    path("<int:pk>/", views.moderation_detail, name="moderation_detail"),
    path("<int:pk>/save", views.moderation_save, name="moderation_save"),
    path("<int:pk>/submit", views.moderation_submit, name="moderation_submit"),
    path("<int:pk>/complete", views.moderation_complete, name="moderation_complete"),
]
