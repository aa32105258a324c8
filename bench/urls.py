"""The app's URLs plus two baselines for bench/public_form.py (never in the app itself)."""

import uuid

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    """One committed row, nothing else: the floor for a request that stores something."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_cache_bench (cache_key, value, expires) VALUES (%s, %s, %s)",
            [uuid.uuid4().hex, request.body[:50].decode(), timezone.now()],
        )
    return HttpResponse("ok")


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/insert", bare_insert),
    path("", include("kuulo.urls")),
]
