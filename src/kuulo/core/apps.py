from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kuulo.core"
    label = "core"
