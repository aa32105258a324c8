from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kuulo.demo"
    label = "demo"
