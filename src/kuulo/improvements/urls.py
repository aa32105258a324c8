from django.urls import path

from . import views

app_name = "improvements"
urlpatterns = [
    path("actions/", views.board, name="board"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<int:action_id>/", views.action_edit, name="action_edit"),
    path("actions/<int:action_id>/move/", views.action_move, name="action_move"),
    # Public: no sign-in.
    path("o/<slug:organisation>/<slug:unit>/", views.you_said_we_did, name="you_said_we_did"),
]
