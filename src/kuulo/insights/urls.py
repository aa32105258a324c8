from django.urls import path

from . import export_views, report_views, results_views, views

app_name = "insights"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/compare/", views.unit_compare, name="unit_compare"),
    path("export/", views.overview_export, name="overview_export"),
    path("responses/export/", export_views.responses_export, name="responses_export"),
    path("exports/<int:export_id>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:export_id>/download/", export_views.export_download, name="export_download"),
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
