"""The passholder pages of the back-office, with the "register new card" form.

Who sees what: a person sees the passholders who are members of a card system in which
one of the balies they work at holds a right, or in which they hold one themselves (a
card system administrator); a superuser sees everybody. Only the memberships and cards
of those card systems are shown. The rights are guardian object permissions on card
systems (``cardsystems.selectors.card_system_ids_with_rights``); Django's model
permissions play no part, so clerks need none.

Memberships and cards are read-only here: only the services change them. The new-card
form passes what the clerk typed to ``register_new_card``, the one newCard operation,
which decides (also whether the balie the clerk acts for may do it).
"""

from functools import reduce
from operator import and_

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import IncorrectLookupParameters, get_content_type_for_model
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cardsystems.models import Card, CardHistory, CardSystem
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import card_system_ids_with_rights, in_card_systems
from passholders.clerk_words import history_lines, result_words
from passholders.counter_balie import chosen_counter_balie
from passholders.forms import NewCardForm, kansenpas_by_prefix, proposed_reason
from passholders.models import Membership, Passholder
from passholders.new_card_flow import PRICE, new_card_step, price_answer
from passholders.selectors import (
    NAME_SEARCH_ORDERING,
    LookupKind,
    kansenstatuut_counts_condition,
    lookup_kinds,
    passholder_records,
    passholders_with_membership,
    search_passholders,
)
from uitpas_site.admin_lists import CappedCountPaginator, ChoiceFilter
from uitpas_site.admin_mixins import ReadOnlyAdminMixin
from uitpas_site.request_cache import once_per_request
from uitpas_site.users import signed_in_user


def visible_card_system_ids(request: HttpRequest) -> set[int] | None:
    """The card systems whose members the viewer sees (None: all); once per request."""
    return once_per_request(
        request, "visible_card_system_ids", lambda: card_system_ids_with_rights(user=request.user)
    )


def card_system_ids_with_create_right(request: HttpRequest) -> set[int] | None:
    """The card systems in which the viewer may register passholders (None: all)."""
    return once_per_request(
        request,
        "create_card_system_ids",
        lambda: card_system_ids_with_rights(
            user=request.user, permission=CardSystemPermission.PASSHOLDER_CREATE
        ),
    )


class MembershipFilter(ChoiceFilter):
    """A filter on the passholders' memberships.

    The membership filters describe one membership together: "UiTPAS Gent" and
    "blocked" find the passholders whose membership of Gent is blocked, not those who
    are blocked elsewhere and members of Gent too. So the first chosen filter applies
    all chosen ones at once, and only memberships that the viewer may see count.
    """

    @classmethod
    def condition(cls, value: str) -> Q:
        """The memberships that ``value`` of this filter selects."""
        raise NotImplementedError

    def filtered(self, request, queryset, value):
        chosen = [
            (spec, request.GET[spec.parameter_name])
            for spec in MEMBERSHIP_FILTERS
            if request.GET.get(spec.parameter_name)
        ]
        if chosen[0][0] is not type(self):
            return queryset
        return passholders_with_membership(
            queryset,
            card_system_ids=visible_card_system_ids(request),
            condition=reduce(and_, (spec.condition(spec_value) for spec, spec_value in chosen)),
        )


class CardSystemFilter(MembershipFilter):
    title = _("card system")
    parameter_name = "card_system"

    def lookups(self, request, model_admin):
        card_systems = in_card_systems(CardSystem.objects.all(), visible_card_system_ids(request), path="pk")
        return [(card_system.pk, card_system.name) for card_system in card_systems]

    @classmethod
    def condition(cls, value):
        # Always the first chosen filter: its own queryset() checked that the value is
        # one it offers before any condition is made.
        return Q(card_system_id=int(value))


class MembershipStatusFilter(MembershipFilter):
    title = _("membership status")
    parameter_name = "membership_status"

    def lookups(self, request, model_admin):
        return Membership.Status.choices

    @classmethod
    def condition(cls, value):
        if value not in Membership.Status.values:
            raise IncorrectLookupParameters(value)
        return Q(status=value)


class KansenstatuutFilter(MembershipFilter):
    title = _("kansenstatuut")
    parameter_name = "kansenstatuut"

    def lookups(self, request, model_admin):
        return [
            ("counts", _("still counts")),
            ("ended", _("ended (grace period passed)")),
            ("none", _("none")),
        ]

    @classmethod
    def condition(cls, value):
        counts = kansenstatuut_counts_condition(timezone.localdate())
        conditions = {
            "counts": counts,
            "ended": Q(kansenstatuut=True) & ~counts,
            "none": Q(kansenstatuut=False),
        }
        if value not in conditions:
            raise IncorrectLookupParameters(value)
        return conditions[value]


# The memberships PassholderAdmin.get_queryset prefetches: those of the card systems
# the viewer sees.
_VISIBLE_MEMBERSHIPS = "visible_memberships"


def visible_memberships(passholder: Passholder) -> list[Membership]:
    """The memberships prefetched for a passholder of PassholderAdmin.get_queryset."""
    memberships: list[Membership] = getattr(passholder, _VISIBLE_MEMBERSHIPS)
    return memberships


MEMBERSHIP_FILTERS = (CardSystemFilter, MembershipStatusFilter, KansenstatuutFilter)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Data that only the services change, shown on the passholder's page. Whoever may
    see that page may see it (the passholder page checks that)."""

    @admin.display(description=_("card system"))
    def card_system_name(self, obj: Membership | Card) -> str:
        # The name only: a clerk may not open the card system's page.
        return obj.card_system.name

    extra = 0
    max_num = 0
    can_delete = False
    # The rows say what they are; no repeated "original" caption above each.
    classes = ["read-only-inline"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return True


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = [
        "card_system_name",
        "status",
        "kansenstatuut_until",
        "kansenstatuut_still_counts",
        "current_card_shown",
    ]
    verbose_name_plural = _("memberships")

    def get_queryset(self, request):
        memberships = super().get_queryset(request).select_related("card_system", "current_card")
        return in_card_systems(memberships, visible_card_system_ids(request))

    @admin.display(description=_("kansenstatuut"))
    def kansenstatuut_until(self, membership: Membership) -> str:
        if not membership.kansenstatuut:
            return gettext("none")
        return gettext("until %(date)s") % {"date": date_format(membership.kansenstatuut_until)}

    @admin.display(description=_("still counts"))
    def kansenstatuut_still_counts(self, membership: Membership) -> str:
        if not membership.kansenstatuut:
            return "–"
        today = timezone.localdate()
        if not membership.kansenstatuut_counts(today):
            return gettext("no")
        if today > membership.kansenstatuut_until:
            return gettext("yes, in its grace period")
        return gettext("yes")

    @admin.display(description=_("current card"))
    def current_card_shown(self, membership: Membership) -> str:
        return card_label(membership.current_card)


class CardInline(ReadOnlyInline):
    model = Card
    fk_name = "passholder"
    fields = ["uitpas_number", "card_system_name", "card_type", "status", "kansenpas_shown", "history_shown"]
    verbose_name_plural = _("cards and their history")

    def get_queryset(self, request):
        cards = (
            super()
            .get_queryset(request)
            .select_related("card_system")
            .prefetch_related(
                Prefetch(
                    "history",
                    queryset=CardHistory.objects.select_related("user", "balie").order_by("created_at", "pk"),
                )
            )
            .order_by("card_system__name", "uitpas_number")
        )
        return in_card_systems(cards, visible_card_system_ids(request))

    @admin.display(description=_("kansenpas"), boolean=True)
    def kansenpas_shown(self, card: Card) -> bool:
        return card.kansenpas

    @admin.display(description=_("history"))
    def history_shown(self, card: Card) -> str:
        return format_html(
            '<ul class="card-history">{}</ul>',
            format_html_join(
                "",
                "<li>{}: {} → {}, {}{}</li>",
                (
                    (
                        date_format(timezone.localtime(entry.created_at), "SHORT_DATETIME_FORMAT"),
                        entry.get_from_status_display() or "–",
                        entry.get_to_status_display(),
                        entry.get_reason_display(),
                        history_actor(entry),
                    )
                    for entry in card.history.all()
                ),
            ),
        )


def history_actor(entry: CardHistory) -> str:
    """ ", by ann for Bibliotheek Aalst", or less when the row names nobody."""
    if entry.user and entry.balie:
        return gettext(", by %(user)s for %(balie)s") % {"user": entry.user, "balie": entry.balie}
    if entry.user:
        return gettext(", by %(user)s") % {"user": entry.user}
    return ""


def membership_label(membership: Membership) -> str:
    """Its current card, and whether the membership is blocked."""
    if membership.status == Membership.Status.BLOCKED:
        return gettext("%(card)s; membership blocked") % {"card": card_label(membership.current_card)}
    return card_label(membership.current_card)


def card_label(card: Card | None) -> str:
    if card is None:
        return "–"
    if card.kansenpas:
        return gettext("%(number)s (kansenpas, %(status)s)") % {
            "number": card.uitpas_number,
            "status": card.get_status_display(),
        }
    return gettext("%(number)s (%(status)s)") % {
        "number": card.uitpas_number,
        "status": card.get_status_display(),
    }


@admin.register(Passholder)
class PassholderAdmin(admin.ModelAdmin):
    # What a clerk tells people apart by; the uid stays searchable and on their page.
    list_display = ["name", "first_name", "date_of_birth", "postal_code", "current_cards"]
    list_display_links = ["name", "first_name"]
    list_filter = MEMBERSHIP_FILTERS
    show_facets = admin.ShowFacets.NEVER
    # get_search_results searches these, by the counter's rules (search_passholders).
    search_fields = ["first_name", "name", "uid", "cards__uitpas_number", "cards__chip_number"]
    search_help_text = _(
        "Search by UiTPAS number, chip number, uid, or the start of the name and first name."
    )
    # A million members: the list counts no further than it needs to (see the paginator).
    paginator = CappedCountPaginator
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["uid", "first_name", "name", "date_of_birth"]}),
        (_("Contact"), {"fields": ["email", "postal_code", "city"]}),
    ]
    readonly_fields = ["uid"]
    inlines = [MembershipInline, CardInline]
    actions = ["register_new_card_action"]

    # Rights: guardian object permissions on card systems, see the module docstring.

    def has_module_permission(self, request):
        visible = visible_card_system_ids(request)
        return visible is None or bool(visible)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self._is_member_of(obj, visible_card_system_ids(request))

    def has_change_permission(self, request, obj=None):
        # Personal data may be corrected by whoever may register passholders there.
        allowed = card_system_ids_with_create_right(request)
        if obj is None:
            return allowed is None or bool(allowed)
        return self._is_member_of(obj, allowed)

    def has_add_permission(self, request):
        # Registering a passholder is an operation of its own, not built yet.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @staticmethod
    def _is_member_of(passholder: Passholder, card_system_ids: set[int] | None) -> bool:
        if card_system_ids is None:
            return True
        # A passholder of the admin's pages comes from get_queryset, with the memberships
        # of every card system the viewer sees (a superset of ``card_system_ids``).
        memberships = getattr(passholder, _VISIBLE_MEMBERSHIPS, None)
        if memberships is not None:
            return any(membership.card_system_id in card_system_ids for membership in memberships)
        one = Passholder.objects.filter(pk=passholder.pk)
        return passholders_with_membership(one, card_system_ids=card_system_ids).exists()

    def get_queryset(self, request):
        visible = visible_card_system_ids(request)
        memberships = in_card_systems(
            Membership.objects.select_related("card_system", "current_card").order_by("card_system__name"),
            visible,
        )
        passholders = (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr=_VISIBLE_MEMBERSHIPS))
        )
        if visible is None:
            return passholders
        return passholders_with_membership(passholders, card_system_ids=visible)

    def get_search_results(self, request, queryset, search_term):
        found = search_passholders(queryset, search_term, card_system_ids=visible_card_system_ids(request))
        return found, False

    def get_ordering(self, request):
        # The matches of a name, sorted, rather than the name index walked in the hope of
        # meeting them (passholders.selectors.NAME_SEARCH_ORDERING).
        if LookupKind.NAME in lookup_kinds(request.GET.get(SEARCH_VAR, "")):
            return [part.asc() if not isinstance(part, str) else part for part in NAME_SEARCH_ORDERING]
        return super().get_ordering(request)

    def history_view(self, request, object_id, extra_context=None):
        """The passholder's history: their cards' status changes and the audit log's
        entries of their memberships and vouchers, in the card systems the viewer sees,
        newest first (rather than Django's log of this page's edits, which stays below)."""
        passholder = self.get_object(request, unquote(object_id))
        if passholder is None or not self.has_view_permission(request, passholder):
            raise Http404(gettext("No such passholder."))
        records = passholder_records(passholder, card_system_ids=visible_card_system_ids(request))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History of %(passholder)s") % {"passholder": passholder},
            "opts": self.opts,
            "object": passholder,
            "events": history_lines(records),
            "edits": LogEntry.objects.filter(
                object_id=str(passholder.pk), content_type=get_content_type_for_model(Passholder)
            )
            .select_related("user")
            .order_by("-action_time"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/passholders/passholder/object_history.html", context)

    class Media:
        css = {"all": ["passholders/passholders.css"]}

    @admin.display(description=_("current cards"))
    def current_cards(self, passholder: Passholder) -> str:
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            (
                (membership.card_system.name, membership_label(membership))
                for membership in visible_memberships(passholder)
            ),
        )

    # Register new card: an action on the list and a button on the passholder's page,
    # both leading to new_card_view.

    def has_register_new_card_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description=_("Register a new card"), permissions=["register_new_card"])
    def register_new_card_action(self, request, queryset):
        selected = list(queryset[:2])
        if len(selected) != 1:
            self.message_user(
                request,
                gettext("Select exactly one passholder to register a new card for."),
                messages.WARNING,
            )
            return None
        return HttpResponseRedirect(self._url("new_card", selected[0]))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/new-card/",
                self.admin_site.admin_view(self.new_card_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_new_card",
            ),
            *super().get_urls(),
        ]

    def _url(self, view: str, passholder: Passholder) -> str:
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}"
        return reverse(name, args=[passholder.pk])

    def new_card_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The new-card steps for one passholder (like Django's change-password page of a
        user): the form, the preview, the confirmation (``passholders.new_card_flow``)."""
        passholder = self.get_object(request, unquote(object_id))
        # Outside the viewer's card systems the passholder does not exist for them.
        if passholder is None or not self.has_view_permission(request, passholder):
            raise Http404(gettext("No such passholder."))
        today = timezone.localdate()
        form = NewCardForm(request.POST or None, user=signed_in_user(request), today=today)
        if not form.is_bound:
            # The balie the clerk chose at the counter, when they did.
            counter_balie = chosen_counter_balie(request, or_the_only_one=False)
            if counter_balie is not None:
                form.initial["balie"] = counter_balie.consumer_key
        elif PRICE in request.POST:
            return price_answer(request, form=form, passholder=passholder)
        step = new_card_step(request, form=form, passholder=passholder)
        if step.result is not None:
            self.message_user(request, result_words(step.result), messages.SUCCESS)
            return HttpResponseRedirect(self._url("change", passholder))

        memberships = visible_memberships(passholder)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Register a new card for %(passholder)s") % {"passholder": passholder},
            "opts": self.opts,
            "original": passholder,
            "step": step,
            "new_card_url": self._url("new_card", passholder),
            "cancel_url": self._url("change", passholder),
            "memberships": memberships,
            "proposal": proposed_reason(form.data.get("uitpas_number", ""), memberships),
            "kansenpas_by_prefix": kansenpas_by_prefix(memberships),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/passholders/passholder/new_card.html", context)
