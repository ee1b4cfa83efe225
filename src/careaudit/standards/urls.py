from django.urls import path

from careaudit.standards import views

urlpatterns = [
    # Browse, search and copy
    path("", views.framework_list, name="framework_list"),
    path("new", views.framework_create, name="framework_create"),
    path("<int:pk>", views.framework_detail, name="framework_detail"),
    path("<int:pk>/copy", views.framework_copy, name="framework_copy"),
    path("<int:pk>/themes/add", views.theme_add, name="theme_add"),
    path("themes/<int:pk>/rename", views.theme_rename, name="theme_rename"),
    path("standards/<int:pk>", views.standard_detail, name="standard_detail"),
    path("tools/<int:pk>", views.tool_detail, name="tool_detail"),
    path("tools/<int:pk>/copy", views.tool_copy, name="tool_copy"),
    path("tools/<int:pk>/edit", views.tool_edit, name="tool_edit"),
    path("tools/<int:pk>/compare", views.tool_compare, name="tool_compare"),
    # Any version: read
    path("versions/<int:pk>/preview", views.version_preview, name="version_preview"),
    path("versions/<int:pk>/pdf", views.version_pdf, name="version_pdf"),
    # The tool builder: drafts only
    path("versions/<int:pk>/builder", views.version_builder, name="version_builder"),
    path("versions/<int:pk>/settings", views.version_settings, name="version_settings"),
    path("versions/<int:pk>/sections/add", views.section_add, name="section_add"),
    path("versions/<int:pk>/publish", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/discard", views.version_discard, name="version_discard"),
    path("sections/<int:pk>/edit", views.section_edit, name="section_edit"),
    path("sections/<int:pk>/delete", views.section_delete, name="section_delete"),
    path("sections/<int:pk>/move", views.section_move, name="section_move"),
    path("sections/<int:pk>/criteria/add", views.criterion_add, name="criterion_add"),
    path("criteria/<int:pk>/edit", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/delete", views.criterion_delete, name="criterion_delete"),
    path("criteria/<int:pk>/move", views.criterion_move, name="criterion_move"),
]
