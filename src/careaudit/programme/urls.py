from django.urls import path

from careaudit.programme import views, views_downloads

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("new", views.programme_create, name="programme_create"),
    path("<int:pk>", views.programme_detail, name="programme_detail"),
    path("<int:pk>/activate", views.programme_activate, name="programme_activate"),
    path("<int:pk>/close", views.programme_close, name="programme_close"),
    path("<int:pk>/extra", views.extra_request_create, name="extra_request_create"),
    path("<int:pk>/<int:year>-<int:month>", views.programme_month, name="programme_month"),
    path(
        "<int:pk>/<int:year>-<int:month>/tool",
        views.programme_month_tool,
        name="programme_month_tool",
    ),
    path(
        "<int:pk>/<int:year>-<int:month>/redraw",
        views.programme_month_redraw,
        name="programme_month_redraw",
    ),
    path("closure-days", views.closure_day_list, name="closure_day_list"),
    path("closure-days/<int:pk>/remove", views.closure_day_remove, name="closure_day_remove"),
    path("sample-size", views.sample_size_calculator, name="sample_size_calculator"),
    path("download", views_downloads.data_download, name="data_download"),
]
