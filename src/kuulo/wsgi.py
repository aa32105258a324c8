"""WSGI entry point (gunicorn kuulo.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuulo.settings")
application = get_wsgi_application()
