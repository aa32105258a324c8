from django.urls import path

from .views import catalogue, imports, kiosk, public, records, surveys

app_name = "feedback"
urlpatterns = [
    # Public: what respondents open from a link or QR code.
    path("f/<str:code>/", public.respond, name="respond"),
    path("f/<str:code>/thanks/", public.respond_thanks, name="respond_thanks"),
    # Configuration (CX lead, organisation admin).
    path("feedback/catalogue/", catalogue.item_list, name="item_list"),
    path("feedback/catalogue/new/", catalogue.item_create, name="item_create"),
    path("feedback/catalogue/<int:item_id>/", catalogue.item_detail, name="item_detail"),
    path("feedback/standard-sets/", catalogue.question_set_list, name="question_set_list"),
    path("feedback/targets/", catalogue.target_list, name="target_list"),
    path("feedback/service-paths/", catalogue.service_path_list, name="service_path_list"),
    path("feedback/surveys/", surveys.survey_list, name="survey_list"),
    path("feedback/surveys/import/", imports.survey_import, name="survey_import"),
    path("feedback/surveys/<int:survey_id>/", surveys.survey_detail, name="survey_detail"),
    path(
        "feedback/surveys/<int:survey_id>/questions/", surveys.survey_add_question, name="survey_add_question"
    ),
    path(
        "feedback/surveys/<int:survey_id>/questions/<int:question_id>/",
        surveys.survey_question_action,
        name="survey_question_action",
    ),
    path("feedback/surveys/<int:survey_id>/publish/", surveys.survey_publish, name="survey_publish"),
    path("feedback/surveys/<int:survey_id>/close/", surveys.survey_close, name="survey_close"),
    path("feedback/links/<int:publication_id>/qr.<str:fmt>", surveys.publication_qr, name="publication_qr"),
    path(
        "feedback/links/<int:publication_id>/poster/", surveys.publication_poster, name="publication_poster"
    ),
    # Feedback staff write down.
    path("feedback/verbal/", records.verbal_feedback, name="verbal_feedback"),
    path("feedback/complaints/", records.complaint_list, name="complaint_list"),
    path("feedback/complaints/new/", records.complaint_create, name="complaint_create"),
    path("feedback/complaints/<int:complaint_id>/", records.complaint_edit, name="complaint_edit"),
    # Kiosks at service points.
    path("kiosk/sw.js", kiosk.kiosk_service_worker, name="kiosk_service_worker"),
    path("kiosk/<str:code>/", kiosk.kiosk_page, name="kiosk_page"),
    path("feedback/links/<int:publication_id>/kiosks/", kiosk.kiosk_create, name="kiosk_create"),
    path("feedback/kiosks/<int:kiosk_id>/revoke/", kiosk.kiosk_revoke, name="kiosk_revoke"),
    path("feedback/kiosks/on-hold/", kiosk.held_answer_list, name="held_answer_list"),
    path("feedback/kiosks/on-hold/<int:held_id>/", kiosk.held_answer_decide, name="held_answer_decide"),
    path("feedback/volumes/", records.service_volumes, name="service_volumes"),
    path("i/<str:token>/", public.invitation, name="invitation"),
    # Responses from another tool's export.
    path("feedback/imports/", imports.import_list, name="import_list"),
    path("feedback/imports/<int:import_id>/", imports.import_detail, name="import_detail"),
    path("feedback/imports/<int:import_id>/progress/", imports.import_progress, name="import_progress"),
    path(
        "feedback/links/<int:publication_id>/invite/", surveys.publication_invite, name="publication_invite"
    ),
    path(
        "feedback/links/<int:publication_id>/remind/", surveys.publication_remind, name="publication_remind"
    ),
    path(
        "feedback/links/<int:publication_id>/limits/", surveys.publication_limits, name="publication_limits"
    ),
    path(
        "feedback/links/<int:publication_id>/identified/",
        surveys.publication_identified,
        name="publication_identified",
    ),
]
