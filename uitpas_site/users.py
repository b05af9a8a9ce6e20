"""The types of the people the code acts for. ``AUTH_USER_MODEL`` is Django's own
``User``: services take a signed-in ``User``; ``request.user`` may also be the
``AnonymousUser``, which views behind a login turn into a ``User`` with
:func:`signed_in_user`."""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

# Whoever a request is made by, signed in or not.
type AnyUser = User | AnonymousUser


def signed_in_user(request: HttpRequest | Request) -> User:
    """The signed-in person of a request that only a signed-in person reaches (the
    admin's views, the API's authenticated views). Anybody else is refused (403), as the
    view's own check would have."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
