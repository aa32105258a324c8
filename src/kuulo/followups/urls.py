from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("follow-ups/", views.queue, name="queue"),
    path("follow-ups/<int:case_id>/", views.case_detail, name="case_detail"),
    path("follow-ups/<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path("follow-ups/<int:case_id>/reply/", views.case_reply, name="case_reply"),
    path("follow-ups/<int:case_id>/close/", views.case_close, name="case_close"),
    path("organisation/follow-ups/", views.follow_up_settings, name="settings"),
]
