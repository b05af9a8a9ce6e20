"""Card systems, their balies, cards (with their stock states and history) and vouchers.

Invariants that the database can hold are constraints here; the services keep the rest.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Length, Replace, Substr, Upper
from django.db.models.lookups import Exact, LessThanOrEqual
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission

from cardsystems.permissions import MODEL_PERMISSIONS, CardSystemPermission

# The formats of numbers, as CHECK constraints. Plain string functions, not REGEXP:
# PostgreSQL and SQLite evaluate them alike, and so does the sqlite3 shell, whose
# "PRAGMA integrity_check" cannot read Django's regular expressions.
DIGITS = "0123456789"
UPPER_HEX = DIGITS + "ABCDEF"


def consists_of(field: str, characters: str) -> Exact:
    """The field holds none but these characters, or nothing: taking each of them out
    leaves the empty string. A NUL, a newline or a non-ASCII digit like '٠' remains.
    (SQLite's length() stops at a NUL: next to this condition it counts every character.)"""
    remainder: F | Replace = F(field)
    for character in characters:
        remainder = Replace(remainder, Value(character))
    return Exact(remainder, Value(""))


def character_at(field: str, position: int, allowed: str) -> Q:
    """The character at ``position`` (from 1) is one of ``allowed``."""
    return Q(*(Exact(Substr(field, position, 1), Value(character)) for character in allowed), _connector=Q.OR)


class CardSystem(models.Model):
    """A regional UiTPAS scheme (kaartsysteem), e.g. "UiTPAS Regio Aalst": it owns its
    cards, vouchers and memberships."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    number_prefix = models.CharField(
        _("UiTPAS number prefix"),
        max_length=5,
        blank=True,
        help_text=_("The first five digits of this card system's UiTPAS numbers, starting with 0."),
    )
    kansenstatuut_grace_days = models.PositiveIntegerField(
        _("kansenstatuut grace period (days)"),
        default=0,
        help_text=_("Days after its end date during which a kansenstatuut still counts."),
    )
    package_size = models.PositiveIntegerField(
        _("package size"),
        default=50,
        help_text=_("Number of consecutive cards in a package sent to a balie."),
    )

    class Meta:
        verbose_name = _("card system")
        verbose_name_plural = _("card systems")
        ordering = ["name"]
        permissions = MODEL_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(number_prefix="")
                | (
                    Q(Exact(Length("number_prefix"), 5))
                    & character_at("number_prefix", 1, "0")
                    & Q(consists_of("number_prefix", DIGITS))
                ),
                name="cardsystem_prefix_five_digits_from_0",
            ),
            models.UniqueConstraint(
                fields=["number_prefix"],
                condition=~Q(number_prefix=""),
                name="cardsystem_prefix_unique",
            ),
            models.CheckConstraint(condition=Q(package_size__gte=1), name="cardsystem_package_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name


def generate_consumer_key() -> str:
    """An opaque key in the UiTPAS style, e.g. 28808C2F-0DB2-D2CF-F508ECB994D2505F."""
    hexdigits = secrets.token_hex(16).upper()
    return f"{hexdigits[:8]}-{hexdigits[8:12]}-{hexdigits[12:16]}-{hexdigits[16:]}"


class Balie(models.Model):
    """A counter (library, cultural centre) where staff register passholders and hand
    out cards; API clients name it by its consumer key."""

    name = models.CharField(_("name"), max_length=200)
    consumer_key = models.CharField(
        _("API key"),
        max_length=64,
        unique=True,
        default=generate_consumer_key,
        help_text=_("The key by which API clients name this balie: its consumer key in the UiTPAS API."),
    )
    card_systems = models.ManyToManyField(CardSystem, related_name="balies", verbose_name=_("card systems"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="balies",
        blank=True,
        verbose_name=_("staff"),
    )
    minimum_stock = models.PositiveIntegerField(
        _("minimum stock"),
        default=0,
        help_text=_(
            "The fewest arrived cards (regular and kansenpas together) the balie should hold in each "
            "of its card systems; the stock overview marks it when it holds fewer. 0: no minimum."
        ),
    )
    # The holder of this balie's guardian permissions. Staff are not members of it, so
    # a person's own rights never include the rights of the balies they work at.
    permission_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="balie",
        editable=False,
        verbose_name=_("permission group"),
    )

    class Meta:
        verbose_name = _("balie")
        verbose_name_plural = _("balies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(consumer_key=""), name="balie_consumer_key_not_blank"),
            # Keys are looked up exactly as stored (the unique index on the field serves
            # that), but two that differ only in case would be one key to a person
            # reading or typing them, and to a client that changes their case.
            models.UniqueConstraint(
                Upper("consumer_key"),
                name="balie_consumer_key_unique_ignoring_case",
                violation_error_code="consumer_key_taken_in_another_case",
                violation_error_message=_(
                    "Another balie has this consumer key, in upper or lower case: consumer keys must "
                    "differ in more than case."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # One transaction: a balie that cannot be saved leaves no group behind, whose
        # name would then refuse every later balie with this consumer key.
        with transaction.atomic():
            if self.permission_group_id is None:
                self.permission_group = Group.objects.create(name=f"balie {self.consumer_key}"[:150])
            super().save(*args, **kwargs)


# A deleted balie takes its permission group with it, from any door (the admin, a
# queryset, code), in the deletion's transaction. Its staff and rights go first, while
# the balie is still there to be named in the audit log's entries (staff removed, rights
# revoked); the group itself only after the balie, which protects it while it exists.


@receiver(pre_delete, sender=Balie)
def _balie_leaving(sender, instance: Balie, **kwargs) -> None:
    instance.staff.clear()
    GroupObjectPermission.objects.filter(group_id=instance.permission_group_id).delete()


@receiver(post_delete, sender=Balie)
def _balie_gone(sender, instance: Balie, **kwargs) -> None:
    Group.objects.filter(pk=instance.permission_group_id).delete()


class CardStatus(models.TextChoices):
    PROVISIONED = "PROVISIONED", _("provisioned (number generated, no chip yet)")
    STOCK = "STOCK", _("central stock")
    SENT_TO_BALIE = "SENT_TO_BALIE", _("sent to balie")
    LOCAL_STOCK = "LOCAL_STOCK", _("in the balie's stock")
    ACTIVE = "ACTIVE", _("active")
    BLOCKED = "BLOCKED", _("blocked")
    DELETED = "DELETED", _("deleted")


# A card sits at a balie exactly in these statuses.
AT_BALIE_STATUSES = [CardStatus.SENT_TO_BALIE, CardStatus.LOCAL_STOCK]
# Cards in these statuses belong to nobody yet.
UNISSUED_STATUSES = [
    CardStatus.PROVISIONED,
    CardStatus.STOCK,
    CardStatus.SENT_TO_BALIE,
    CardStatus.LOCAL_STOCK,
]


class CardType(models.TextChoices):
    CARD = "CARD", _("card")
    STICKER = "STICKER", _("sticker")
    KEYRING = "KEYRING", _("key ring")


class NewCardReason(models.TextChoices):
    """Why newCard hands out a card (the v3 API's reasons), the one list of them: the
    history rows of newCard and the price lists (see PRICE_REASONS) give them too.
    Labels are lower case, as in a sentence; ``capfirst`` them where they start one (a
    radio button, "Reason: …")."""

    LOSS_THEFT = "LOSS_THEFT", _("lost or stolen")
    DEFECT = "DEFECT", _("defect")
    LOSS_KANSENSTATUUT = "LOSS_KANSENSTATUUT", _("kansenstatuut lost")
    OBTAIN_KANSENSTATUUT = "OBTAIN_KANSENSTATUUT", _("kansenstatuut obtained")
    CARD_UPGRADE = "CARD_UPGRADE", _("card upgrade")
    EXTRA_CARD = "EXTRA_CARD", _("extra card")


# Earlier spellings of newCard's reasons that existing clients still send (the v3 PHP
# client's REMOVAL).
REASON_ALIASES = {"REMOVAL": NewCardReason.DEFECT}


class Card(models.Model):
    """A physical UiTPAS (card, sticker or key ring): its number, its chip once it is
    made, where it is in the stock, and its holder once it is handed out."""

    uitpas_number = models.CharField(_("UiTPAS number"), max_length=13, unique=True)
    # Unique among the cards that have one (see Meta): the index then leaves out the
    # PROVISIONED cards, and its statistics are not a million NULLs.
    chip_number = models.CharField(_("chip number"), max_length=32, null=True, blank=True)
    # No index of its own on the card system, balie or holder: the indexes below start
    # with them and serve their lookups too.
    card_system = models.ForeignKey(
        CardSystem,
        on_delete=models.PROTECT,
        related_name="cards",
        db_index=False,
        verbose_name=_("card system"),
    )
    card_type = models.CharField(_("type"), max_length=10, choices=CardType.choices, default=CardType.CARD)
    status = models.CharField(_("status"), max_length=16, choices=CardStatus.choices)
    kansenpas = models.GeneratedField(
        expression=Exact(Substr("uitpas_number", 12, 1), "1"),
        output_field=models.BooleanField(_("kansenpas")),
        db_persist=True,
        verbose_name=_("kansenpas"),
    )
    balie = models.ForeignKey(
        Balie,
        on_delete=models.PROTECT,
        related_name="stock",
        null=True,
        blank=True,
        db_index=False,
        verbose_name=_("balie"),
        help_text=_("The balie whose stock holds the card (sent or arrived)."),
    )
    passholder = models.ForeignKey(
        "passholders.Passholder",
        on_delete=models.PROTECT,
        related_name="cards",
        null=True,
        blank=True,
        db_index=False,
        verbose_name=_("holder"),
    )

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["uitpas_number"]
        # The card list shows cards in number order, filtered by card system and status:
        # these give the first page of a million cards without sorting them. A balie's
        # stock and a holder's cards are few, and most cards have neither: those two
        # indexes hold only the cards that have one, so the million-card jobs (which
        # change the status of cards at no balie) leave them alone.
        indexes = [
            models.Index(fields=["card_system", "uitpas_number"], name="card_system_number_idx"),
            models.Index(
                fields=["card_system", "status", "uitpas_number"], name="card_system_status_number_idx"
            ),
            models.Index(
                fields=["balie", "uitpas_number"],
                condition=Q(balie__isnull=False),
                name="card_balie_number_idx",
            ),
            models.Index(
                fields=["passholder", "card_system"],
                condition=Q(passholder__isnull=False),
                name="card_holder_system_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(Length("uitpas_number"), 13))
                & character_at("uitpas_number", 1, "0")
                & character_at("uitpas_number", 12, "01")
                & Q(consists_of("uitpas_number", DIGITS)),
                name="card_uitpas_number_format",
            ),
            models.CheckConstraint(
                condition=Q(chip_number__isnull=True)
                | (
                    ~Q(chip_number="")
                    & Q(LessThanOrEqual(Length("chip_number"), 32))
                    & Q(consists_of("chip_number", UPPER_HEX))
                ),
                name="card_chip_number_upper_hex",
            ),
            models.UniqueConstraint(
                fields=["chip_number"], condition=Q(chip_number__isnull=False), name="card_chip_number_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=CardStatus.values), name="card_status_known"),
            models.CheckConstraint(condition=Q(card_type__in=CardType.values), name="card_type_known"),
            models.CheckConstraint(
                condition=(
                    Q(status__in=AT_BALIE_STATUSES, balie__isnull=False)
                    | (~Q(status__in=AT_BALIE_STATUSES) & Q(balie__isnull=True))
                ),
                name="card_balie_iff_at_balie",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=CardStatus.PROVISIONED, chip_number__isnull=True)
                    | Q(status=CardStatus.DELETED)
                    | (
                        ~Q(status__in=[CardStatus.PROVISIONED, CardStatus.DELETED])
                        & Q(chip_number__isnull=False)
                    )
                ),
                name="card_chip_iff_made",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=CardStatus.ACTIVE, passholder__isnull=False)
                    | Q(status__in=UNISSUED_STATUSES + [CardStatus.DELETED], passholder__isnull=True)
                    | Q(status=CardStatus.BLOCKED)
                ),
                name="card_holder_iff_issued",
            ),
        ]

    def __str__(self) -> str:
        return self.uitpas_number


class CardHistory(models.Model):
    """One change of a card's status: from what, to what, why, by whom, for which
    balie, and when. Written by the services, never edited."""

    class Reason(models.TextChoices):
        """The stock's reasons. newCard's rows (the new card, and the old one it
        replaces) give a :class:`NewCardReason` instead: see the field's choices."""

        CREATED = "CREATED", _("created")
        GENERATED = "GENERATED", _("number generated")
        IMPORTED = "IMPORTED", _("imported from the supplier")
        SENT_TO_BALIE = "SENT_TO_BALIE", _("sent to a balie")
        ARRIVAL_CONFIRMED = "ARRIVAL_CONFIRMED", _("arrival confirmed")
        RETURNED_TO_STOCK = "RETURNED_TO_STOCK", _("sent back to central stock")
        DELETED = "DELETED", _("deleted (created by mistake)")
        BLOCKED = "BLOCKED", _("blocked")

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="history", verbose_name=_("card"))
    from_status = models.CharField(_("from"), max_length=16, choices=CardStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CardStatus.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=[*NewCardReason.choices, *Reason.choices])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    balie = models.ForeignKey(
        Balie,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for balie"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("card history entry")
        verbose_name_plural = _("card history")
        ordering = ["card", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=models.F("to_status")),
                name="cardhistory_is_a_change",
            ),
        ]

    def __str__(self) -> str:
        before = self.get_from_status_display() if self.from_status else "–"
        return f"{self.card.uitpas_number}: {before} → {self.get_to_status_display()}"


class CardImportUpload(models.Model):
    """A card supplier's file uploaded in the admin, kept between its preview and its
    apply. In the database, so that any app process can apply what another previewed."""

    card_system = models.ForeignKey(
        CardSystem, on_delete=models.CASCADE, related_name="+", verbose_name=_("card system")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.TextField(_("content"))

    class Meta:
        verbose_name = _("card import upload")
        verbose_name_plural = _("card import uploads")

    def __str__(self) -> str:
        return self.file_name


class VoucherType(models.Model):
    """A kind of voucher in one card system (e.g. "Gratis UiTPAS"), recognised by the
    digits its numbers start with."""

    card_system = models.ForeignKey(
        CardSystem,
        on_delete=models.PROTECT,
        related_name="voucher_types",
        verbose_name=_("card system"),
    )
    name = models.CharField(_("name"), max_length=200)
    prefix = models.CharField(_("number prefix"), max_length=20)

    class Meta:
        verbose_name = _("voucher type")
        verbose_name_plural = _("voucher types")
        ordering = ["card_system", "name"]
        constraints = [
            models.UniqueConstraint(fields=["card_system", "name"], name="vouchertype_name_unique"),
            models.UniqueConstraint(fields=["card_system", "prefix"], name="vouchertype_prefix_unique"),
            models.CheckConstraint(
                condition=~Q(prefix="") & Q(consists_of("prefix", DIGITS)), name="vouchertype_prefix_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class Voucher(models.Model):
    """A single-use number that changes the price of a registration; redeemed at most
    once, by the operation it is given to."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    voucher_type = models.ForeignKey(
        VoucherType, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("type")
    )
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("redeemed by"),
    )
    redeemed_balie = models.ForeignKey(
        Balie,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("redeemed at balie"),
    )
    redeemed_card = models.ForeignKey(
        Card,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("redeemed for card"),
    )

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(number="") & Q(consists_of("number", DIGITS)), name="voucher_number_digits"
            ),
            models.CheckConstraint(
                condition=Q(redeemed_at__isnull=False)
                | Q(redeemed_by__isnull=True, redeemed_balie__isnull=True, redeemed_card__isnull=True),
                name="voucher_redemption_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_redeemed(self) -> bool:
        return self.redeemed_at is not None


# What a card is sold for (a price list's reasons): a passholder's first card, or one
# of newCard's reasons.
FIRST_CARD = "FIRST_CARD"
PRICE_REASONS = [(FIRST_CARD, _("first card")), *NewCardReason.choices]
PRICE_REASON_VALUES = [value for value, label in PRICE_REASONS]


def price_reason_label(reason: str) -> str:
    """A price reason's label, in the active language (lower case, like every reason's)."""
    return str(dict(PRICE_REASONS)[reason])


class UitpasPrice(models.Model):
    """A row of a card system's price list (v3 UitpasPrice): what a card costs for one
    reason and card type, for an age range, with or without kansenstatuut, without a
    voucher or with a voucher of one type. At most one row fits a registration: the
    price services refuse a row that would fit the same registrations as another."""

    card_system = models.ForeignKey(
        CardSystem, on_delete=models.PROTECT, related_name="prices", verbose_name=_("card system")
    )
    reason = models.CharField(_("reason"), max_length=24, choices=PRICE_REASONS)
    card_type = models.CharField(_("type"), max_length=10, choices=CardType.choices, default=CardType.CARD)
    age_from = models.PositiveSmallIntegerField(
        _("age from"), null=True, blank=True, help_text=_("From this age on (in years); empty: from birth.")
    )
    age_to = models.PositiveSmallIntegerField(
        _("age to"),
        null=True,
        blank=True,
        help_text=_("Up to and including this age; empty: no upper limit."),
    )
    use_when_age_unknown = models.BooleanField(
        _("also when the age is unknown"),
        default=False,
        help_text=_("This is also the price for a passholder whose date of birth is unknown."),
    )
    kansenstatuut = models.BooleanField(
        _("kansenstatuut"),
        default=False,
        help_text=_("The price of a kansenpas (for a passholder with kansenstatuut)."),
    )
    voucher_type = models.ForeignKey(
        VoucherType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prices",
        verbose_name=_("voucher type"),
        help_text=_("The price with a voucher of this type; empty: the price without a voucher."),
    )
    price = models.DecimalField(_("price (euro)"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["card_system", "reason", "card_type", "kansenstatuut", "voucher_type", "age_from", "pk"]
        indexes = [
            models.Index(
                fields=["card_system", "reason", "card_type", "kansenstatuut"], name="uitpasprice_lookup_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=PRICE_REASON_VALUES), name="uitpasprice_reason_known"
            ),
            models.CheckConstraint(condition=Q(card_type__in=CardType.values), name="uitpasprice_type_known"),
            models.CheckConstraint(condition=Q(price__gte=0), name="uitpasprice_price_not_negative"),
            models.CheckConstraint(
                condition=Q(age_from__isnull=True) | Q(age_to__isnull=True) | Q(age_from__lte=F("age_to")),
                name="uitpasprice_age_range_ordered",
            ),
            # Overlapping age ranges cannot be a constraint on both databases (PostgreSQL
            # would need an exclusion constraint); the price services refuse them.
            models.UniqueConstraint(
                "card_system",
                "reason",
                "card_type",
                "kansenstatuut",
                Coalesce("voucher_type", Value(0)),
                condition=Q(use_when_age_unknown=True),
                name="uitpasprice_one_for_unknown_age",
                violation_error_message=_(
                    "Another row of this price list is already the price when the age is unknown."
                ),
            ),
        ]

    def __str__(self) -> str:
        return price_description(
            reason=self.reason,
            card_type=self.card_type,
            age_from=self.age_from,
            age_to=self.age_to,
            use_when_age_unknown=self.use_when_age_unknown,
            kansenstatuut=self.kansenstatuut,
            voucher_type=str(self.voucher_type) if self.voucher_type_id else None,
            price=self.price,
        )

    @property
    def age_range_text(self) -> str:
        return age_range_text(self.age_from, self.age_to, self.use_when_age_unknown)

    def snapshot(self) -> dict:
        """The row as a sale keeps it: it still reads right after the row changes."""
        return {
            "id": self.pk,
            "reason": self.reason,
            "card_type": self.card_type,
            "age_from": self.age_from,
            "age_to": self.age_to,
            "use_when_age_unknown": self.use_when_age_unknown,
            "kansenstatuut": self.kansenstatuut,
            "voucher_type": str(self.voucher_type) if self.voucher_type_id else None,
            "price": f"{self.price:.2f}",
        }


def age_range_text(age_from: int | None, age_to: int | None, use_when_age_unknown: bool) -> str:
    if age_from is not None and age_to is not None:
        text = _("%(from)s to %(to)s years") % {"from": age_from, "to": age_to}
    elif age_from is not None:
        text = _("%(from)s years and over") % {"from": age_from}
    elif age_to is not None:
        text = _("up to %(to)s years") % {"to": age_to}
    else:
        text = gettext("any age")
    if use_when_age_unknown:
        text = _("%(ages)s, and unknown age") % {"ages": text}
    return str(text)


def price_description(
    *,
    reason: str,
    card_type: str,
    age_from: int | None,
    age_to: int | None,
    use_when_age_unknown: bool,
    kansenstatuut: bool,
    voucher_type: str | None,
    price: Decimal | str,
) -> str:
    """A row of a price list in words, in the active language, e.g. "lost or stolen,
    card, any age, and unknown age, with kansenstatuut, without voucher: € 1.00"."""
    parts = [
        price_reason_label(reason),
        CardType(card_type).label,
        age_range_text(age_from, age_to, use_when_age_unknown),
        _("with kansenstatuut") if kansenstatuut else _("without kansenstatuut"),
        _("with voucher %(type)s") % {"type": voucher_type} if voucher_type else _("without voucher"),
    ]
    amount = formats.number_format(Decimal(price), 2)
    return f"{', '.join(str(part) for part in parts)}: € {amount}"


class FreeBecause(models.TextChoices):
    """Why a sale was free (0.00): the voucher, or the kansenstatuut."""

    VOUCHER = "VOUCHER", _("voucher")
    KANSENSTATUUT = "KANSENSTATUUT", _("kansenstatuut")


class Sale(models.Model):
    """What a balie charged for a card (verkoop): the registration it was for (card,
    passholder, reason, voucher), the price row that fitted it and the amount. A refund
    is a sale of its own, with a negative amount, naming the sale it refunds. Sales are
    written by the services and never edited or deleted."""

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    card_system = models.ForeignKey(
        CardSystem, on_delete=models.PROTECT, related_name="sales", verbose_name=_("card system")
    )
    # None: a card system administrator who acted for no balie.
    balie = models.ForeignKey(
        Balie,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
        db_index=False,
        verbose_name=_("balie"),
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The clerk's username, kept when the person is deleted.
    clerk_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    passholder = models.ForeignKey(
        "passholders.Passholder", on_delete=models.PROTECT, related_name="sales", verbose_name=_("passholder")
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="sales", verbose_name=_("card"))
    reason = models.CharField(_("reason"), max_length=24, choices=PRICE_REASONS)
    # Whether the card sold is a kansenpas: the price row's kansenstatuut.
    kansenstatuut = models.BooleanField(_("kansenstatuut"))
    voucher = models.ForeignKey(
        Voucher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
        verbose_name=_("voucher"),
    )
    # The row may change or go later: the sale keeps its amount and a copy of the row
    # (None: no price was set, the amount is 0.00).
    price = models.ForeignKey(
        UitpasPrice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sales",
        verbose_name=_("price row"),
    )
    price_snapshot = models.JSONField(_("price row as sold"), null=True, blank=True)
    amount = models.DecimalField(_("amount (euro)"), max_digits=9, decimal_places=2)
    # Why the amount is 0.00, when a voucher or the kansenstatuut made it so: the
    # payment-free share of what a balie collected, as it was when sold.
    free_because = models.CharField(
        _("free because of"), max_length=16, choices=FreeBecause.choices, blank=True
    )
    refunded_sale = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    refund_reason = models.TextField(_("reason for the refund"), blank=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-created_at", "-id"]
        # What a balie collected in a period, and the lists of an administrator's card
        # systems: ranges of time within one balie or card system.
        indexes = [
            models.Index(fields=["balie", "created_at"], name="sale_balie_time_idx"),
            models.Index(fields=["card_system", "created_at"], name="sale_card_system_time_idx"),
            models.Index(fields=["created_at"], name="sale_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=PRICE_REASON_VALUES), name="sale_reason_known"),
            models.CheckConstraint(
                condition=Q(free_because="") | Q(free_because__in=FreeBecause.values, amount=0),
                name="sale_free_only_at_zero",
            ),
            models.CheckConstraint(
                condition=Q(refunded_sale__isnull=True, refund_reason="", amount__gte=0)
                | (Q(refunded_sale__isnull=False, amount__lt=0) & ~Q(refund_reason="")),
                name="sale_refund_is_negative_with_a_reason",
            ),
            models.UniqueConstraint(
                fields=["refunded_sale"], condition=Q(refunded_sale__isnull=False), name="sale_refunded_once"
            ),
        ]

    def __str__(self) -> str:
        return _("sale %(id)s: € %(amount)s") % {
            "id": self.pk,
            "amount": formats.number_format(self.amount, 2),
        }

    @property
    def is_refund(self) -> bool:
        return self.refunded_sale_id is not None

    @property
    def price_text(self) -> str:
        """The price row as it was when sold, in words; or that no price was set."""
        if self.price_snapshot is None:
            return str(_("no price set"))
        return price_description(**{key: value for key, value in self.price_snapshot.items() if key != "id"})


class AuditEntry(models.Model):
    """One recorded change: by whom, for which balie, when, to what, and how."""

    class Action(models.TextChoices):
        NEW_CARD = "NEW_CARD", _("new card registered")
        RIGHT_GRANTED = "RIGHT_GRANTED", _("right granted")
        RIGHT_REVOKED = "RIGHT_REVOKED", _("right revoked")
        TOKEN_CREATED = "TOKEN_CREATED", _("API token created")
        TOKEN_DELETED = "TOKEN_DELETED", _("API token deleted")
        OAUTH_CONSUMER_CREATED = "OAUTH_CONSUMER_CREATED", _("API application created")
        OAUTH_TOKEN_ISSUED = "OAUTH_TOKEN_ISSUED", _("OAuth access token issued")
        OAUTH_TOKEN_REVOKED = "OAUTH_TOKEN_REVOKED", _("OAuth access token revoked")
        LOGIN_LOCKED_OUT = "LOGIN_LOCKED_OUT", _("login locked out (too many wrong passwords)")
        LOGIN_UNLOCKED = "LOGIN_UNLOCKED", _("login unlocked")
        STAFF_ADDED = "STAFF_ADDED", _("added to a balie's staff")
        STAFF_REMOVED = "STAFF_REMOVED", _("removed from a balie's staff")
        # Stock operations: one entry per operation (and card system and balie it touched).
        CARDS_GENERATED = "CARDS_GENERATED", _("UiTPAS numbers generated")
        CARDS_IMPORTED = "CARDS_IMPORTED", _("supplier's file imported")
        CARDS_SENT = "CARDS_SENT", _("cards sent to a balie")
        ARRIVAL_CONFIRMED = "ARRIVAL_CONFIRMED", _("arrival of cards confirmed")
        CARDS_RETURNED = "CARDS_RETURNED", _("cards sent back to central stock")
        CARDS_DELETED = "CARDS_DELETED", _("cards deleted")
        CARDS_BLOCKED = "CARDS_BLOCKED", _("cards blocked")
        PRICE_ADDED = "PRICE_ADDED", _("price added")
        PRICE_CHANGED = "PRICE_CHANGED", _("price changed")
        PRICE_DELETED = "PRICE_DELETED", _("price deleted")
        SALE_REFUNDED = "SALE_REFUNDED", _("sale refunded")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    username = models.CharField(_("by (name)"), max_length=150, blank=True)
    balie = models.ForeignKey(
        "cardsystems.Balie",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for balie"),
    )
    balie_name = models.CharField(_("for balie (name)"), max_length=200, blank=True)
    card_system = models.ForeignKey(
        "cardsystems.CardSystem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("card system"),
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    # The model's label ("passholders.membership"): the same in every language.
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300)
    # A stock operation's object is a range of cards: object_repr holds "first – last".
    card_count = models.PositiveIntegerField(_("number of cards"), null=True, blank=True)
    # {"field": [before, after], ...}, values as text.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["card_system", "-created_at"], name="audit_card_system_idx")]

    def __str__(self) -> str:
        when = (
            date_format(timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT")
            if self.created_at
            else ""
        )
        return f"{when} {self.username or '–'}: {self.get_action_display()} – {self.object_repr}"

    @property
    def object_in_words(self) -> str:
        """The object as the log names it; for a stock operation, its cards counted."""
        if self.card_count is None:
            return self.object_repr
        return ngettext("%(count)s card: %(numbers)s", "%(count)s cards: %(numbers)s", self.card_count) % {
            "count": self.card_count,
            "numbers": self.object_repr,
        }

    @property
    def object_type_name(self) -> str:
        """The model's verbose name, in the active language."""
        model = self._model()
        return str(model._meta.verbose_name) if model else self.object_type

    def _model(self) -> type[models.Model] | None:
        try:
            return apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return None

    def changes_in_words(self) -> list["ChangeInWords"]:
        """What changed, as a reader says it: each field by its name on the form, each
        value in words (a status by its name, yes or no, a date as a date); a right by
        what it allows, with its API name."""
        model = self._model()
        return [
            _change_in_words(model, name, before, after) for name, (before, after) in self.changes.items()
        ]


@dataclass(frozen=True)
class ChangeInWords:
    label: str
    before: str
    after: str
    code: str | None = None  # the API's name of a right, for those who look for it


# What the entries record that is no field of their object.
_OTHER_LABELS = {
    "token": _("API token"),
    "login": _("login (user name @ address)"),
}
_NOTHING = "–"


def _change_in_words(model, name: str, before: str | None, after: str | None) -> ChangeInWords:
    right = CardSystemPermission.of_api_name(name)
    if right is not None:
        return ChangeInWords(str(right.label), before or _NOTHING, after or _NOTHING, right.api_name)
    field = _field(model, name)
    if field is None:
        label = _OTHER_LABELS.get(name, name.replace("_", " "))
        return ChangeInWords(str(label), before or _NOTHING, after or _NOTHING)
    return ChangeInWords(
        str(field.verbose_name), _value_in_words(field, before), _value_in_words(field, after)
    )


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except LookupError:
        return None


def _value_in_words(field, value: str | None) -> str:
    if value is None or value == "":
        return _NOTHING
    if isinstance(field, models.BooleanField):
        return {"True": gettext("yes"), "False": gettext("no")}.get(value, value)
    if field.choices:
        labels = dict(field.flatchoices)
        # A stock operation may start from several statuses ("SENT_TO_BALIE,LOCAL_STOCK").
        return " / ".join(str(labels.get(part, part)) for part in value.split(","))
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    return value
