from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsystemsConfig(AppConfig):
    name = "cardsystems"
    verbose_name = _("Card systems and stock")

    def ready(self) -> None:
        from cardsystems import signals  # noqa: F401  (connects the audit log's receivers)
