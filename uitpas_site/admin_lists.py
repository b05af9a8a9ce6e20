"""What the back-office's lists take from their URL, so that no URL makes them fail.

Every model admin of the site takes these rules (:class:`BackOfficeSite` mixes
:class:`BoundedLists` into each one it registers, Django's and the libraries' too):

- A search of at most ``MAX_SEARCH_WORDS`` words. Django's search adds a condition per
  word: SQLite refuses a search of 1,100 words ("Expression tree is too large") after
  holding the worker for seconds. A longer search gets Django's message for an invalid
  search, and the list unsearched.
- No regular expressions and no NUL character in a filter: Django lets a URL filter on
  any field of the model with any lookup, and a broken pattern
  (``?uitpas_number__regex=(``) fails in the database, a malicious one holds it;
  PostgreSQL refuses a NUL in any text (``?status__exact=%00``). Such a URL gets Django's
  400 page.
- A list filter of ours takes only the values it offers (:class:`ChoiceFilter`).
"""

import functools

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList, ChangeListSearchForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cardsystems.selectors import is_card_system_administrator

MAX_SEARCH_WORDS = 10
REGEX_LOOKUPS = {"regex", "iregex"}


def validate_search_words(term: str) -> None:
    if len(term.split()) > MAX_SEARCH_WORDS:
        raise ValidationError(
            _("Search with at most %(limit)d words."),
            code="too_many_words",
            params={"limit": MAX_SEARCH_WORDS},
        )


class BoundedSearchForm(ChangeListSearchForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[SEARCH_VAR].validators.append(validate_search_words)


@functools.cache
def _bounded(changelist: type[ChangeList]) -> type[ChangeList]:
    return type(f"Bounded{changelist.__name__}", (changelist,), {"search_form_class": BoundedSearchForm})


class BoundedLists:
    """For a model admin: its list takes a bounded search, and filters without regular
    expressions or NUL characters; whatever list it has otherwise (DRF's token list has
    its own)."""

    def get_changelist(self, request, **kwargs):
        return _bounded(super().get_changelist(request, **kwargs))

    def lookup_allowed(self, lookup, value, request):
        if lookup.rsplit(LOOKUP_SEP, 1)[-1] in REGEX_LOOKUPS or "\x00" in value:
            return False
        return super().lookup_allowed(lookup, value, request)

    # What an action says when a chosen row is not in the person's list.
    selection_refused_message = _("Some of the chosen rows are not in your list; nothing was changed.")

    def response_action(self, request, queryset, *args, **kwargs):
        """Django's, unless a ticked id is no id of this model (posted by hand): Django's
        own ``pk__in`` would fail on it with a server error; it refuses the action."""
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.to_python(value)
        except ValidationError:
            self.message_user(request, self.selection_refused_message, messages.ERROR)
            return None
        return super().response_action(request, queryset, *args, **kwargs)


class BackOfficeSite(admin.AdminSite):
    """The admin site: every model admin registered with it has :class:`BoundedLists`.

    It holds the counter (``passholders.counter``), the first page of a clerk: the index
    sends a clerk there (someone who works at a balie that may register cards, and who
    administers no card system), while administrators keep the index, and the header
    links to the counter for everybody who works at a balie. The counter's home shows
    the clerk's other pages, the index's list.
    """

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BoundedLists):
            admin_class = type(
                admin_class.__name__, (BoundedLists, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

    # The counter's modules are imported when used: passholders' admin imports this one.

    def get_urls(self):
        from passholders.counter import Counter
        from uitpas_site import guide

        return Counter(self).urls() + guide.urls(self) + super().get_urls()

    def index(self, request, extra_context=None):
        from passholders.counter_balie import counter_balies

        if counter_balies(request) and not is_card_system_administrator(request.user):
            return redirect("admin:counter")
        return super().index(request, extra_context)

    def each_context(self, request):
        from passholders.counter_balie import balies_of_request

        context = super().each_context(request)
        works_at_a_balie = request.user.is_authenticated and bool(balies_of_request(request))
        context["counter_url"] = reverse("admin:counter", current_app=self.name) if works_at_a_balie else None
        return context


class CappedCountPaginator(Paginator):
    """A list's paginator that counts at most ``cap`` rows (and one more, to know there
    are more): counting a million passholders that are members of a card system takes
    a third of a second on SQLite and PostgreSQL alike, for a number nobody pages
    through; a search narrows the list instead. The list says "more than 10,000"."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            raise TypeError("CappedCountPaginator pages a queryset")
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class ChoiceFilter(admin.SimpleListFilter):
    """A list filter that takes only the values it offers. Anything else in the URL
    (letters where an id belongs, ``?balie=abc``; a card system the viewer does not see)
    is Django's "invalid lookup" answer: the list again, with ``?e=1``."""

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in {str(offered) for offered, _title in self.lookup_choices}:
            raise IncorrectLookupParameters(value)
        return self.filtered(request, queryset, value)

    def filtered(self, request, queryset, value: str):
        """The list narrowed to ``value``, one of the values the filter offers."""
        raise NotImplementedError
