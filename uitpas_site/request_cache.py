"""Values computed once per request, typed: what several hooks of one page ask for (the
admin's permission hooks, filters and side bar; the counter's header and view) is read
once, without attaching untyped attributes to the request."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

_CACHE = "_once_per_request"


def once_per_request[T](request: HttpRequest, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, called the first time ``key`` is asked for during this request and
    remembered for the rest of it. A key stands for one computation: its call sites
    compute the same thing, so the value has the type ``compute`` returns."""
    cache: dict[str, Any] = request.__dict__.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]
