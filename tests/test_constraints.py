"""Invariants the database itself holds, whatever code writes to it; and the sqlite3
shell's integrity check reads them too."""

import os
import shutil
import subprocess
import sys
from functools import partial

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DataError, IntegrityError, transaction

from cardsystems.models import Card, CardStatus, CardSystem, Voucher, VoucherType
from passholders.models import Membership
from tests.conftest import UIDS


def refused(write, refusals: tuple[type[Exception], ...] = (IntegrityError,)) -> bool:
    try:
        with transaction.atomic():
            write()
    except refusals:
        return True
    return False


@pytest.mark.parametrize(
    "changes",
    [
        {"uitpas_number": "093000000010"},  # 12 digits
        {"uitpas_number": "1930000000206"},  # not starting with 0
        {"uitpas_number": "0930000000226"},  # 12th digit 2
        {"chip_number": "04a1"},  # lower case
        {"status": "LOST"},
        {"card_type": "BADGE"},
        {"balie": None},  # LOCAL_STOCK without a balie
        {"chip_number": None},  # in stock without a chip
        {"status": CardStatus.ACTIVE},  # active without a holder (and still at a balie)
        {"chip_number": "04A1000000000107"},  # another card's chip
    ],
)
def test_a_card_cannot_break_its_invariants(demo, changes):
    assert refused(lambda: Card.objects.filter(uitpas_number="0930000000206").update(**changes))


# Each format constraint, value by value: what it refuses, and what it lets through.
# (A NUL cannot even be sent to PostgreSQL: see the SQLite test below.)
FORMATS = {
    "uitpas number": (
        lambda value: Card.objects.filter(uitpas_number="0930000000206").update(uitpas_number=value),
        [
            "0930000000305\n",
            "093000000030\n",
            " 093000000030",
            "093000000030٠",
            "0930000000３05",
            "",
            "0" * 14,
        ],
        ["0930000009900", "0000000000000", "0999999999919"],
    ),
    "chip number": (
        lambda value: Card.objects.filter(uitpas_number="0930000000206").update(chip_number=value),
        ["", "04A1\n", "04A1 ", "04G1", "04Ａ1", "F" * 33, "٠"],
        ["0", "F" * 32, "0123456789ABCDEF"],
    ),
    "card system prefix": (
        lambda value: CardSystem.objects.filter(name="UiTPAS Gent").update(number_prefix=value),
        ["0945", "094500", "19450", "0945\n", " 0945", "0945a", "0945٠", "０9450"],
        ["", "00000", "09999"],
    ),
    "voucher type prefix": (
        lambda value: VoucherType.objects.filter(prefix="100").update(prefix=value),
        ["", "10a", "100\n", " 100", "١٠٠", "1 0"],
        ["0", "101", "9" * 20],
    ),
    "voucher number": (
        lambda value: Voucher.objects.filter(number="1000001").update(number=value),
        ["", "10a", "1000001\n", " 1000001", "١٠٠", "1e5"],
        ["0", "1000009", "9" * 40],
    ),
}


@pytest.mark.parametrize("name", FORMATS)
def test_a_number_format_refuses_every_other_character_and_length(demo, name):
    write, refused_values, accepted_values = FORMATS[name]
    # PostgreSQL's varchar(n) refuses a longer value itself; SQLite leaves it to the CHECK.
    refusals = (IntegrityError, DataError)
    assert [value for value in refused_values if not refused(partial(write, value), refusals)] == []
    assert [value for value in accepted_values if refused(partial(write, value), refusals)] == []


@pytest.mark.sqlite
@pytest.mark.parametrize("name", FORMATS)
def test_a_number_format_refuses_a_nul_after_its_valid_characters(demo, name):
    # SQLite stores a NUL and its length() stops counting there.
    write, _refused_values, accepted_values = FORMATS[name]
    assert refused(partial(write, accepted_values[-1] + "\x00"))
    assert refused(partial(write, accepted_values[-1][:-1] + "\x00"))


@pytest.mark.sqlite
def test_the_sqlite3_shell_checks_a_migrated_database_with_the_demo_data(tmp_path):
    """Operators check the embedded database with the standard tool: its integrity check
    says ok, and it holds the number formats itself."""
    sqlite3 = shutil.which("sqlite3")
    assert sqlite3, "the sqlite3 command-line tool is missing: apt-get install sqlite3"
    database = tmp_path / "db.sqlite3"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    for command in (["migrate", "--noinput"], ["loaddemo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=environment,
            check=True,
            capture_output=True,
        )

    def shell(sql: str) -> subprocess.CompletedProcess:
        return subprocess.run([sqlite3, database, sql], capture_output=True, text=True)

    check = shell("PRAGMA integrity_check")
    assert (check.returncode, check.stdout, check.stderr) == (0, "ok\n", "")
    bad = shell(
        "UPDATE cardsystems_card SET uitpas_number = '093000000020a' WHERE uitpas_number = '0930000000206'"
    )
    assert "CHECK constraint failed: card_uitpas_number_format" in bad.stderr


def test_the_kansenpas_flag_is_read_from_the_number(demo):
    card = Card.objects.get(uitpas_number="0930000001113")
    assert card.kansenpas
    assert Card.objects.filter(kansenpas=True).count() == 6


def test_a_card_is_the_current_card_of_one_membership_at_most(demo):
    ellen_card = Card.objects.get(uitpas_number="0930000001410")
    assert refused(
        lambda: Membership.objects.filter(passholder__uid=UIDS.pieter).update(current_card=ellen_card)
    )


def test_one_membership_per_card_system(demo):
    ellen = Membership.objects.get(passholder__uid=UIDS.ellen)
    assert refused(
        lambda: Membership.objects.create(passholder=ellen.passholder, card_system=ellen.card_system)
    )


def test_a_kansenstatuut_has_an_end_date(demo):
    assert refused(
        lambda: Membership.objects.filter(passholder__uid=UIDS.ellen).update(kansenstatuut_end_date=None)
    )
    assert refused(lambda: Membership.objects.filter(passholder__uid=UIDS.pieter).update(kansenstatuut=True))


def test_a_voucher_number_is_digits_and_a_redemption_has_a_time(demo, django_user_model):
    assert refused(lambda: Voucher.objects.filter(number="1000001").update(number="10a"))
    ann = django_user_model.objects.get(username="ann")
    assert refused(lambda: Voucher.objects.filter(number="1000001").update(redeemed_by=ann))


def test_no_model_change_lacks_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
