"""The price lists in the back-office: kept by each card system's administrators.

Scoped like the rest of the set-up (``setup.AdministeredCardSystemsAdmin``): superusers
see every price list, an administrator those of their card systems, clerks none. Saving
and deleting go through :mod:`cardsystems.price_services`, which refuses a row that
would fit the same registrations as another one and names that row.
"""

from django import forms
from django.contrib import admin
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from cardsystems import price_services
from cardsystems.admin.setup import AdministeredCardSystemsAdmin, AdministeredFilter, administered
from cardsystems.models import UitpasPrice, VoucherType
from cardsystems.selectors import in_card_systems
from uitpas_site.errors import UitpasError, add_refusal


class UitpasPriceForm(forms.ModelForm):
    class Meta:
        model = UitpasPrice
        fields = [
            "card_system",
            "reason",
            "card_type",
            "kansenstatuut",
            "voucher_type",
            "age_from",
            "age_to",
            "use_when_age_unknown",
            "price",
        ]

    def validate_constraints(self) -> None:
        # The service's refusal names the other row; Django's own check of the same
        # rule (the unique index for unknown age) only says that one exists. The check
        # locks the card system's price list for the rest of the admin's transaction,
        # so the save that follows finds it as checked.
        # full_clean has set the errors so far: ``errors`` does not clean again.
        if not self.errors:
            try:
                price_services.check_price_row(row=self.instance)
            except UitpasError as error:
                add_refusal(self, error)
                return
        super().validate_constraints()


@admin.register(UitpasPrice)
class UitpasPriceAdmin(AdministeredCardSystemsAdmin):
    card_system_lookup = "card_system"
    form = UitpasPriceForm
    list_display = [
        "card_system",
        "reason",
        "card_type",
        "kansenstatuut",
        "voucher_type",
        "ages",
        "price",
    ]
    list_filter = [("card_system", AdministeredFilter), "reason", "kansenstatuut", "card_type"]
    list_select_related = ["card_system", "voucher_type"]
    ordering = [
        "card_system__name",
        "reason",
        "card_type",
        "kansenstatuut",
        F("voucher_type__prefix").asc(nulls_first=True),
        F("age_from").asc(nulls_first=True),
    ]

    @admin.display(description=_("age"), ordering="age_from")
    def ages(self, row: UitpasPrice) -> str:
        return row.age_range_text

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is VoucherType:
            kwargs["queryset"] = self.voucher_types(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def voucher_types(self, request) -> QuerySet[VoucherType]:
        return in_card_systems(VoucherType.objects.select_related("card_system"), administered(request))

    def save_model(self, request, obj, form, change):
        price_services.save_price(user=request.user, row=obj)

    def delete_model(self, request, obj):
        price_services.delete_price(user=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("card_system", "voucher_type"):
            price_services.delete_price(user=request.user, row=row)
