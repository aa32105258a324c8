from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:unit_id>/move/", views.unit_move, name="unit_move"),
    path("units/<int:unit_id>/archive/", views.unit_archive, name="unit_archive"),
    path("units/<int:unit_id>/delete/", views.unit_delete, name="unit_delete"),
    path("unit-types/", views.unit_type_list, name="unit_type_list"),
    path("unit-types/new/", views.unit_type_form, name="unit_type_create"),
    path("unit-types/<int:type_id>/", views.unit_type_form, name="unit_type_edit"),
    path("people/", views.people_list, name="people_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:user_id>/", views.person_detail, name="person_detail"),
    path("people/<int:user_id>/roles/", views.person_grant_role, name="person_grant_role"),
    path(
        "people/<int:user_id>/roles/<int:assignment_id>/revoke/",
        views.person_revoke_role,
        name="person_revoke_role",
    ),
    path("people/<int:user_id>/active/", views.person_set_active, name="person_set_active"),
    path("settings/", views.organisation_settings, name="settings"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
