from django.urls import path

from . import report_views, results_views, views

app_name = "insights"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/compare/", views.unit_compare, name="unit_compare"),
    path("export/", views.overview_export, name="overview_export"),
    path("responses/export/", views.responses_export, name="responses_export"),
    path("paths/<int:path_id>/", views.path_detail, name="path_detail"),
    path("surveys/", results_views.survey_list, name="survey_list"),
    path("surveys/<int:survey_id>/", results_views.survey_results, name="survey_results"),
    path("alerts/", views.notifications, name="notifications"),
    path("wall/", views.wall, name="wall"),
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/new/", report_views.report_new, name="report_new"),
    path("reports/<int:report_id>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:report_id>/progress/", report_views.report_progress, name="report_progress"),
    path("reports/<int:report_id>/download/", report_views.report_download, name="report_download"),
]
