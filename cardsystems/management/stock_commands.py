"""What the stock commands (generate_cards, import_cards) share: the acting user, the
card system by name, a progress bar on a terminal, refusals as command errors."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import CommandError, OutputWrapper
from django.utils.translation import gettext as _

from cardsystems.models import CardSystem
from uitpas_site.errors import UitpasError


def acting_user(username: str | None) -> User:
    """The named user, whose rights the services check and whom the history names; or,
    without a name, the server itself: someone who runs manage.py on the server may
    do anything, and the history names no user."""
    if username is None:
        return get_user_model()(username="manage.py", is_superuser=True, is_active=True)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user is called “%(name)s”.") % {"name": username})
    return user


def card_system_named(name: str) -> CardSystem:
    card_system = CardSystem.objects.filter(name=name).first()
    if card_system is None:
        names = ", ".join(CardSystem.objects.values_list("name", flat=True)) or "-"
        raise CommandError(
            _("No card system is called “%(name)s” (there are: %(names)s).") % {"name": name, "names": names}
        )
    return card_system


def refused(error: UitpasError) -> CommandError:
    return CommandError(f"{error.code}: {error.message}")


class ProgressBar:
    """One line that fills up on a terminal; nothing at all when the output goes to a
    file or a pipe, so logs and scripts get only the results."""

    WIDTH = 40

    def __init__(self, stream: OutputWrapper, *, total: int, label: str) -> None:
        self.stream, self.total, self.label = stream, max(total, 1), label
        self.shown = -1
        self.enabled = stream.isatty()

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if not self.enabled or percent == self.shown:
            return
        self.shown = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% {done:,}/{self.total:,}", ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("")
