from django.urls import path

from careaudit.api import views_tokens

urlpatterns = [
    path("", views_tokens.token_list, name="api_token_list"),
    path("new", views_tokens.token_create, name="api_token_create"),
    path("<int:pk>/made", views_tokens.token_made, name="api_token_made"),
    path("<int:pk>/revoke", views_tokens.token_revoke, name="api_token_revoke"),
]
