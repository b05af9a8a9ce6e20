"""The forms of the card stock pages in the admin. Their field names are the keyword
names of the services, so that a refusal lands on the field it names."""

from django import forms
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from cardsystems.models import Balie, CardSystem, CardType

# Bigger jobs are for the commands (generate_cards, import_cards): a web request should
# not hold the database for the minute a million cards take.
MAX_GENERATED_IN_ADMIN = 100_000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def limit_choices(form: forms.Form, name: str, queryset: QuerySet) -> None:
    """Offer ``queryset`` in the form's model choice field ``name`` (per request: the
    card systems and balies the person may act on)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is no model choice field")
    field.queryset = queryset


class GenerateCardsForm(forms.Form):
    card_system = forms.ModelChoiceField(queryset=CardSystem.objects.none(), label=_("card system"))
    count = forms.IntegerField(label=_("how many numbers"), min_value=1, max_value=MAX_GENERATED_IN_ADMIN)
    kansenpas = forms.BooleanField(label=_("kansenpas"), required=False)
    card_type = forms.ChoiceField(label=_("type"), choices=CardType.choices, initial=CardType.CARD)

    def __init__(self, *args, card_systems: QuerySet[CardSystem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "card_system", card_systems)
        # Per request, in the reader's language and number format (100.000 / 100,000).
        self.fields["count"].help_text = _(
            "At most %(max)s at a time here; the generate_cards command makes more."
        ) % {"max": number_format(MAX_GENERATED_IN_ADMIN, force_grouping=True)}


class CardImportForm(forms.Form):
    card_system = forms.ModelChoiceField(queryset=CardSystem.objects.none(), label=_("card system"))
    file = forms.FileField(
        label=_("supplier's file"),
        help_text=_(
            'CSV, one card a line: "chip number";"uitpas number". At most 10 MB here; '
            "the import_cards command reads bigger files."
        ),
    )

    def __init__(self, *args, card_systems: QuerySet[CardSystem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "card_system", card_systems)

    def clean_file(self) -> str:
        """The file's text; bytes that are not UTF-8 become “�”, and so problems of their
        line rather than a failure of the whole upload."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB; use the import_cards command."))
        # NUL too: PostgreSQL keeps no NUL in text, and it is no part of a good line.
        return upload.read().decode("utf-8-sig", errors="replace").replace("\x00", "\ufffd")


class SendPackagesForm(forms.Form):
    card_system = forms.ModelChoiceField(queryset=CardSystem.objects.none(), label=_("card system"))
    balie = forms.ModelChoiceField(queryset=Balie.objects.none(), label=_("balie"))
    kansenpas = forms.TypedChoiceField(
        label=_("kind of card"),
        choices=[("false", _("regular cards")), ("true", _("kansenpassen"))],
        coerce=lambda value: value == "true",
        initial="false",
    )
    packages = forms.IntegerField(label=_("packages"), min_value=1, initial=1)
    first_uitpas_number = forms.CharField(
        label=_("first UiTPAS number"),
        required=False,
        help_text=_("Empty: the lowest number of that kind in central stock."),
    )

    def __init__(self, *args, card_systems: QuerySet[CardSystem], balies: QuerySet[Balie], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "card_system", card_systems)
        limit_choices(self, "balie", balies)


class SendToBalieForm(forms.Form):
    balie = forms.ModelChoiceField(queryset=Balie.objects.none(), label=_("balie"))

    def __init__(self, *args, balies: QuerySet[Balie], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "balie", balies)
