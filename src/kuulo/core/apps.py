from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "kuulo.core"
    label = "core"

    def ready(self) -> None:
        # Every app's declarations (core/registry.py): permissions, audit actions, navigation.
        autodiscover_modules("declarations")
