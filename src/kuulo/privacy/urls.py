from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("retention/", views.retention_settings, name="retention"),
    path("data-subjects/", views.data_subject, name="data_subject"),
]
