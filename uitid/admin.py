"""API access in the back-office, for superusers only: the applications (consumers)
that may sign requests, and the access tokens issued to people for them.

Secrets are shown once, on the page that made them; the database keeps them sealed.
Tokens are revoked, not deleted, so the record of who had access stays; every issue
and revocation is in the audit log (``uitid.services``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from cardsystems.models import Balie
from uitid import services
from uitid.models import AccessToken, Consumer
from uitpas_site.errors import UitpasError


class _SuperusersOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def _page(self, request, template: str, title, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context}
        return TemplateResponse(request, f"admin/uitid/{template}", context)

    def _add_page(self, request, form_class, make, title):
        """The add page: a form of its own, and the new secret shown once on success."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                return self._page(request, "credentials.html", title, **make(form))
            except UitpasError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return self._page(request, "add.html", title, form=form, media=self.media + form.media)


class ConsumerForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    balie = forms.ModelChoiceField(
        Balie.objects.filter(oauth_consumer__isnull=True),
        required=False,
        label=_("balie"),
        help_text=_("For a balie's own application: it takes the balie's consumer key."),
    )
    key = forms.CharField(
        label=_("consumer key"),
        required=False,
        max_length=64,
        help_text=_("Leave empty for a generated key. Ignored for a balie's own application."),
    )
    callback_url = forms.URLField(label=_("callback URL"), required=False, max_length=2000)


@admin.register(Consumer)
class ConsumerAdmin(_SuperusersOnly):
    list_display = ["name", "key", "balie", "callback_url", "created_at"]
    search_fields = ["name", "key"]
    fields = ["name", "key", "balie", "callback_url", "created_at"]
    readonly_fields = ["key", "balie", "created_at"]

    def add_view(self, request, form_url="", extra_context=None):
        def make(form):
            data = form.cleaned_data
            credentials = services.create_consumer(
                name=data["name"],
                key=data["key"] or None,
                balie=data["balie"],
                callback_url=data["callback_url"],
                created_by=request.user,
            )
            return {"consumer": credentials.consumer, "consumer_secret": credentials.consumer_secret}

        return self._add_page(request, ConsumerForm, make, _("Add an API application"))


class IssueTokenForm(forms.Form):
    user = forms.ModelChoiceField(
        get_user_model().objects.filter(is_active=True).order_by("username"), label=_("person")
    )
    consumer = forms.ModelChoiceField(Consumer.objects.all(), label=_("application"))


@admin.register(AccessToken)
class AccessTokenAdmin(_SuperusersOnly):
    list_display = ["token", "user", "consumer", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["consumer", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "consumer"]
    search_fields = ["token", "user__username", "consumer__name", "consumer__key"]
    fields = readonly_fields = ("token", "user", "consumer", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def add_view(self, request, form_url="", extra_context=None):
        def make(form):
            issued = services.issue_access_token(
                user=form.cleaned_data["user"], consumer=form.cleaned_data["consumer"], issued_by=request.user
            )
            return {"issued": issued, "consumer": issued.access_token.consumer}

        return self._add_page(request, IssueTokenForm, make, _("Issue an access token"))

    @admin.action(description=_("Revoke the selected access tokens"))
    def revoke(self, request, queryset):
        revoked = sum(
            services.revoke_access_token(access_token=token, revoked_by=request.user)
            for token in queryset.select_related("user", "consumer__balie")
        )
        self.message_user(
            request, _("Access tokens revoked: %(count)d.") % {"count": revoked}, messages.SUCCESS
        )
