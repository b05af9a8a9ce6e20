"""A deadlock chosen by PostgreSQL never reaches the client: the victim runs again."""

import threading

import pytest
from django.db import transaction

from passholders.models import Passholder
from tests.live.threads import started
from uitpas_site.transactions import retry_on_conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_deadlock_victim_is_retried_and_both_transactions_finish():
    first, second = (
        Passholder.objects.create(first_name="A", name="A"),
        Passholder.objects.create(first_name="B", name="B"),
    )
    both_hold_one_lock = threading.Barrier(2, timeout=10)
    attempts, results = [], []

    @retry_on_conflict
    def lock_both(own, other, label):
        attempts.append(label)
        with transaction.atomic():
            Passholder.objects.select_for_update().get(pk=own.pk)
            if attempts.count(label) == 1:
                both_hold_one_lock.wait()  # opposite lock orders: a certain deadlock
            Passholder.objects.select_for_update().get(pk=other.pk)
            Passholder.objects.filter(pk=own.pk).update(city=label)
        return label

    runs = [
        started(lambda: results.append(lock_both(first, second, "first"))),
        started(lambda: results.append(lock_both(second, first, "second"))),
    ]
    for thread, _errors in runs:
        thread.join(timeout=30)

    assert [error for _thread, errors in runs for error in errors] == []
    assert sorted(results) == ["first", "second"]
    assert len(attempts) == 3  # one of the two was the deadlock victim and ran again
    # Its own two passholders (the database may hold others: the demo data set).
    assert set(Passholder.objects.filter(pk__in=[first.pk, second.pk]).values_list("city", flat=True)) == {
        "first",
        "second",
    }
