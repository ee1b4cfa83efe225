from django.urls import path

from careaudit.insights import views_themes

urlpatterns = [
    path("themes/", views_themes.themes_dashboard, name="insights_themes"),
    path("themes/<int:pk>/", views_themes.theme_findings, name="insights_theme"),
    path("voice/", views_themes.voice_dashboard, name="insights_voice"),
]
