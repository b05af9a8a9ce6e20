"""Passholders and their memberships of card systems."""

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cardsystems.models import Card, CardSystem


class Passholder(models.Model):
    """A person holding a UiTPAS (pashouder), known across card systems by a uid."""

    uid = models.UUIDField(_("uid"), unique=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("passholder")
        verbose_name_plural = _("passholders")
        ordering = ["name", "first_name"]
        indexes = [models.Index(fields=["name", "first_name"], name="passholder_name_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.name}"


class Membership(models.Model):
    """A passholder's membership of one card system: its status, the current card in
    that system, and the kansenstatuut (social tariff) there with its end date."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("active")
        BLOCKED = "BLOCKED", _("blocked")

    passholder = models.ForeignKey(
        Passholder,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("passholder"),
    )
    card_system = models.ForeignKey(
        CardSystem,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("card system"),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    current_card = models.OneToOneField(
        Card,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="current_membership",
        verbose_name=_("current card"),
    )
    kansenstatuut = models.BooleanField(_("kansenstatuut"), default=False)
    kansenstatuut_end_date = models.DateField(_("kansenstatuut end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["passholder", "card_system"]
        constraints = [
            models.UniqueConstraint(
                fields=["passholder", "card_system"], name="membership_one_per_card_system"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["ACTIVE", "BLOCKED"]), name="membership_status_known"
            ),
            models.CheckConstraint(
                condition=Q(kansenstatuut=True, kansenstatuut_end_date__isnull=False)
                | Q(kansenstatuut=False, kansenstatuut_end_date__isnull=True),
                name="membership_kansenstatuut_has_end_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.passholder} – {self.card_system}"

    def kansenstatuut_counts(self, today: datetime.date) -> bool:
        """A kansenstatuut counts until its end date plus the card system's grace period."""
        if not self.kansenstatuut:
            return False
        grace = datetime.timedelta(days=self.card_system.kansenstatuut_grace_days)
        return today <= self.kansenstatuut_until + grace

    @property
    def kansenstatuut_until(self) -> datetime.date:
        """The kansenstatuut's end date, for a membership with a kansenstatuut (the
        constraint membership_kansenstatuut_has_end_date: it has one)."""
        if self.kansenstatuut_end_date is None:
            raise ValueError(f"{self} has no kansenstatuut")
        return self.kansenstatuut_end_date
