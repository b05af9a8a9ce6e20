"""A ticked id posted by hand that is no id at all ("abc") refuses an action on every
admin list with a message, never a server error (Django's own ``pk__in`` fails on it);
nothing changes."""

import pytest
from django.urls import reverse

from tests.conftest import database_state

ACTIONS = [
    ("admin:passholders_passholder_changelist", "register_new_card_action", "ann", "rows"),
    ("admin:uitid_accesstoken_changelist", "revoke", "admin", "rows"),
    ("admin:cardsystems_card_changelist", "delete_cards", "ksb-aalst", "kaarten"),
]


@pytest.mark.parametrize(("url", "action", "user", "kind"), ACTIONS, ids=[a[1] for a in ACTIONS])
def test_an_id_that_is_no_id_refuses_the_action(demo, admin_as, url, action, user, kind):
    before = database_state()
    response = admin_as(user).post(
        reverse(url), {"action": action, "_selected_action": ["abc"], "index": "0"}, follow=True
    )
    assert response.status_code == 200
    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith("Sommige gekozen") and "er werd niets gewijzigd" in message, message
    assert database_state() == before
