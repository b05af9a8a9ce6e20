"""The set-up of card systems in the back-office: card systems, balies with their staff
and rights, voucher types and vouchers.

Who may do what: superusers everything. A card system administrator (a person holding
the stock-management right on a card system themselves) sees their card systems and
manages the balies, voucher types and vouchers of them; a balie that also serves another
card system is read-only to them. The rights of balies and
administrators are granted by superusers, on django-guardian's object permissions
screens of a card system; a balie's page shows its rights and links to those screens.
Clerks see none of this. As everywhere in the back-office, rights are guardian object
permissions on card systems; Django's model permissions play no part.
"""

from types import SimpleNamespace
from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.admin import AdminGroupObjectPermissionsForm, AdminUserObjectPermissionsForm, GuardedModelAdmin

from cardsystems.models import Balie, CardSystem, Voucher, VoucherType
from cardsystems.permissions import MODEL_PERMISSIONS, CardSystemPermission
from cardsystems.selectors import StockRights, balie_permissions, in_card_systems, staff_candidates
from uitid.models import AccessToken, Consumer
from uitpas_site.request_cache import once_per_request

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _StaffTotal(TypedDict):
    """What BalieAdmin.get_queryset annotates."""

    staff_total: int


class _VoucherCounts(TypedDict):
    """What VoucherTypeAdmin.get_queryset annotates."""

    vouchers_total: int
    vouchers_unused: int


def stock_rights(request: HttpRequest) -> StockRights:
    """The person's stock rights, read once per request: every admin page asks for them
    in its permission hooks, actions, filters and side bar."""
    return once_per_request(request, "stock_rights", lambda: StockRights.of(request.user))


def administered(request: HttpRequest) -> set[int] | None:
    """The card systems the viewer administers (None: all)."""
    return stock_rights(request).administered


class AdministeredFilter(admin.RelatedFieldListFilter):
    """A list filter on a card system, or on a voucher type, offering only those of the
    card systems the viewer administers: Django's own would list every one."""

    def field_choices(self, field, request, model_admin):
        ids = administered(request)
        if ids is None:
            return super().field_choices(field, request, model_admin)
        lookup = "pk__in" if field.related_model is CardSystem else "card_system_id__in"
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to={lookup: ids})


class AdministeredCardSystemsAdmin(admin.ModelAdmin):
    """Objects of card systems: superusers manage all of them, a card system
    administrator those of their own card systems; nobody else sees them."""

    # The lookup from the model to the id of its card system(s).
    card_system_lookup: str

    def in_administered(self, request, queryset: QuerySet) -> QuerySet:
        ids = administered(request)
        scoped = in_card_systems(queryset, ids, path=self.card_system_lookup)
        # Only a lookup across a many-to-many (a balie's card systems) repeats rows;
        # DISTINCT elsewhere would keep the history and audit lists off their indexes.
        if ids is not None and lookup_spawns_duplicates(self.opts, self.card_system_lookup):
            scoped = scoped.distinct()
        return scoped

    def get_queryset(self, request):
        return self.in_administered(request, super().get_queryset(request))

    def has_module_permission(self, request):
        ids = administered(request)
        return ids is None or bool(ids)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        # Django asks this (and the hooks below) many times per page: one query each.
        answers = request.__dict__.setdefault("_administered_objects", {})
        key = (self.model, obj.pk)
        if key not in answers:
            answers[key] = self.in_administered(request, self.model.objects.filter(pk=obj.pk)).exists()
        return answers[key]

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is CardSystem:
            kwargs["queryset"] = administered_card_systems(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is CardSystem:
            kwargs["queryset"] = administered_card_systems(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def administered_card_systems(request: HttpRequest) -> QuerySet[CardSystem]:
    """The card systems the viewer administers, by name."""
    return in_card_systems(CardSystem.objects.order_by("name", "pk"), administered(request), path="pk")


class _DomainRightsOnly:
    """Guardian's screens for the rights on a card system offer only the four rights of
    the domain (not Django's add/change/delete/view permissions)."""

    def get_obj_perms_field_choices(self):
        return [(codename, label) for codename, label in MODEL_PERMISSIONS]


class BalieRightsForm(_DomainRightsOnly, AdminGroupObjectPermissionsForm):
    """The rights of a balie (its group) on a card system."""


class AdministratorRightsForm(_DomainRightsOnly, AdminUserObjectPermissionsForm):
    """The rights a person holds directly on a card system: its administrators."""


@admin.register(CardSystem)
class CardSystemAdmin(AdministeredCardSystemsAdmin, GuardedModelAdmin):
    card_system_lookup = "pk"
    # guardian declares change_form_template an instance variable, django-stubs a ClassVar
    # of ModelAdmin: no class attribute satisfies both.
    change_form_template = "admin/cardsystems/cardsystem/change_form.html"  # type: ignore[misc]
    list_display = ["name", "number_prefix", "kansenstatuut_grace_days", "package_size"]
    search_fields = ["name", "number_prefix"]

    # An administrator sees their card system; superusers set card systems up and grant
    # rights on them (guardian's "Object permissions" screens).
    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_obj_perms_manage_group_form(self, request):
        return BalieRightsForm

    def get_obj_perms_manage_user_form(self, request):
        return AdministratorRightsForm

    def get_obj_perms_base_context(self, request, obj):
        # Guardian's table of who holds what has a column per permission of the model,
        # by the name Django stored (in English, Django's own add/change/delete/view
        # included): the four rights in words instead.
        context = super().get_obj_perms_base_context(request, obj)
        context["model_perms"] = [
            SimpleNamespace(codename=perm.value, name=perm.label) for perm in CardSystemPermission
        ]
        return context


@admin.register(Balie)
class BalieAdmin(AdministeredCardSystemsAdmin):
    card_system_lookup = "card_systems"
    list_display = ["name", "consumer_key", "card_systems_shown", "staff_count"]
    list_filter = [("card_systems", AdministeredFilter)]
    search_fields = ["name", "consumer_key"]
    filter_horizontal = ["card_systems", "staff"]
    fields = ["name", "consumer_key", "card_systems", "minimum_stock", "staff"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("card_systems")
            .annotate(staff_total=Count("staff", distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        # The consumer key is generated for a new balie (it may be typed over, e.g. to
        # keep the key of the earlier system); API clients know the balie by it, so it
        # never changes afterwards. Only superusers move a balie to other card systems:
        # an administrator could otherwise drop card systems that are not theirs.
        if obj is None:
            return []
        if request.user.is_superuser:
            return ["consumer_key"]
        return ["consumer_key", "card_systems"]

    def has_change_permission(self, request, obj=None):
        # A balie that also serves a card system the administrator does not manage is
        # that card system's too: whoever changes its staff gives people its rights
        # there. Superusers change those; the administrator sees them read-only.
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or stock_rights(request).administers_all(
            card_system.pk for card_system in obj.card_systems.all()
        )

    def has_delete_permission(self, request, obj=None):
        # Deleting a balie would take it out of the card history rows that name it (and
        # out of other card systems it serves): only superusers, for one made by mistake.
        return request.user.is_superuser

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A balie's own OAuth consumer and its tokens exist for the balie alone and go
        # with it (the tokens' revocation recorded first): the page lists them, but they
        # need no right to delete them on their own, which nobody has.
        perms_needed -= {Consumer._meta.verbose_name, AccessToken._meta.verbose_name}
        return deleted, model_count, perms_needed, protected

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "staff" in form.base_fields:
            staff = form.base_fields["staff"]
            staff.queryset = staff_candidates(administered=administered(request), balie=obj)
            if administered(request) is not None:
                staff.help_text = _(
                    "People who may log in to the back-office and work at no balie yet or at a balie "
                    "of your card systems. A superuser adds anyone else."
                )
        return form

    @admin.display(description=_("card systems"))
    def card_systems_shown(self, balie: Balie) -> str:
        return ", ".join(card_system.name for card_system in balie.card_systems.all())

    @admin.display(description=_("staff"), ordering="staff_total")
    def staff_count(self, balie: "WithAnnotations[Balie, _StaffTotal]") -> int:
        return balie.staff_total

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["balie_rights"] = self.rights(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def rights(self, request, balie: Balie) -> list[dict]:
        """Per card system of the balie: the rights it holds there, and for superusers
        the link to guardian's screen that grants them."""
        held = balie_permissions(balie)
        rows = []
        for card_system in balie.card_systems.all():
            url = None
            if request.user.is_superuser:
                url = reverse(
                    f"{self.admin_site.name}:cardsystems_cardsystem_permissions_manage_group",
                    args=[card_system.pk, balie.permission_group_id],
                )
            rights = [perm for perm in CardSystemPermission if perm in held.get(card_system.pk, ())]
            rows.append({"card_system": card_system, "rights": rights, "url": url})
        return rows


@admin.register(VoucherType)
class VoucherTypeAdmin(AdministeredCardSystemsAdmin):
    card_system_lookup = "card_system"
    list_display = ["name", "prefix", "card_system", "voucher_count", "unused_count"]
    list_filter = [("card_system", AdministeredFilter)]
    search_fields = ["name", "prefix"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("card_system")
            .annotate(
                vouchers_total=Count("vouchers"),
                vouchers_unused=Count("vouchers", filter=Q(vouchers__redeemed_at__isnull=True)),
            )
        )

    @admin.display(description=_("vouchers"), ordering="vouchers_total")
    def voucher_count(self, voucher_type: "WithAnnotations[VoucherType, _VoucherCounts]") -> int:
        return voucher_type.vouchers_total

    @admin.display(description=_("unused"), ordering="vouchers_unused")
    def unused_count(self, voucher_type: "WithAnnotations[VoucherType, _VoucherCounts]") -> int:
        return voucher_type.vouchers_unused


class RedeemedFilter(admin.SimpleListFilter):
    title = _("redeemed")
    parameter_name = "redeemed"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(redeemed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Voucher)
class VoucherAdmin(AdministeredCardSystemsAdmin):
    card_system_lookup = "voucher_type__card_system"
    list_display = ["number", "voucher_type", "redeemed_at", "redeemed_balie", "redeemed_card"]
    list_filter = [
        RedeemedFilter,
        ("voucher_type__card_system", AdministeredFilter),
        ("voucher_type", AdministeredFilter),
    ]
    search_fields = ["=number"]
    fields = ["number", "voucher_type", "redeemed_at", "redeemed_by", "redeemed_balie", "redeemed_card"]
    # Redemption is the newCard operation's: never typed in here.
    readonly_fields = ["redeemed_at", "redeemed_by", "redeemed_balie", "redeemed_card"]
    list_select_related = ["voucher_type", "redeemed_balie", "redeemed_card"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "voucher_type":
            kwargs["queryset"] = self.voucher_types(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def voucher_types(self, request) -> QuerySet[VoucherType]:
        return in_card_systems(VoucherType.objects.select_related("card_system"), administered(request))

    # A redeemed voucher is a record of what happened: it is no longer changed or deleted.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_redeemed)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_redeemed)
