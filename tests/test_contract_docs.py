"""docs/domain.md and docs/demo-data.md say what the code does: the error codes, the
order of the checks, the demo data set; and the repository cites no file outside it."""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from cardsystems.api import PRICE_CHECKS
from cardsystems.models import Balie, Card, UitpasPrice, Voucher
from passholders.api import NEW_CARD_CHECKS
from passholders.models import Passholder
from uitid.models import AccessToken
from uitpas_site.api_docs import ERROR_MEANINGS
from uitpas_site.errors import ErrorCode

BASE_DIR = Path(settings.BASE_DIR)
DOMAIN = BASE_DIR / "docs" / "domain.md"
DEMO_DATA = BASE_DIR / "docs" / "demo-data.md"


def section(path: Path, heading: str) -> str:
    """The text under the Markdown heading ``heading`` (without its #s), up to the next
    heading of the same or a higher level."""
    lines = path.read_text().splitlines()
    headings = [(n, re.fullmatch(r"(#+) (.*)", line)) for n, line in enumerate(lines)]
    found = [(n, len(m[1])) for n, m in headings if m and m[2].strip() == heading]
    assert found, f"{path.name} has no heading {heading!r}"
    start, level = found[0]
    body = []
    for line in lines[start + 1 :]:
        other = re.match(r"(#+) ", line)
        if other and len(other[1]) <= level:
            break
        body.append(line)
    return "\n".join(body)


def tables(text: str) -> list[list[list[str]]]:
    """The Markdown tables of ``text``: their rows below the header, as cells without
    surrounding spaces and backticks."""
    found, current = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [cell.strip().strip("`").strip() for cell in line.strip().strip("|").split("|")]
        if current is None:
            current = []
            found.append(current)
            continue  # the header
        if all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            continue
        current.append(cells)
    return found


def table(path: Path, heading: str, index: int = 0) -> list[list[str]]:
    return tables(section(path, heading))[index]


# (a) The error codes -----------------------------------------------------------------


def test_every_error_code_the_api_answers_is_in_the_domain_document():
    answered = {code.value for code in ErrorCode} | {code.value for code in ERROR_MEANINGS}
    listed = [row[0] for row in table(DOMAIN, "Every error code the API answers")]
    assert len(listed) == len(set(listed)), "a code is listed twice"
    assert set(listed) == answered
    text = DOMAIN.read_text()
    for code in answered:
        # As a word of its own: INVALID_CARD_STATUS is not INVALID_CARD.
        assert re.search(rf"(?<![A-Z_]){code}(?![A-Z_])", text), code


# (b) The order of the checks ---------------------------------------------------------


def checks_in_order(heading: str) -> list[str]:
    rows = table(DOMAIN, heading)
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)], "rows numbered 1, 2, …"
    return [row[1] for row in rows]


def test_the_new_card_error_table_has_the_codes_order_of_checks():
    documented = checks_in_order("newCard's errors, in the order they are checked")
    assert documented == [code.value for code, _ in NEW_CARD_CHECKS]


def test_the_price_error_table_has_the_codes_order_of_checks():
    documented = checks_in_order("The price endpoint's errors, in the order they are checked")
    assert documented == [code.value for code, _ in PRICE_CHECKS]


# (c) The demo data set ---------------------------------------------------------------

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UITPAS_NUMBER = r"(?<!\d)0\d{12}(?!\d)"


def test_the_demo_passholders_are_those_of_the_document(demo):
    rows = table(DEMO_DATA, "Passholders and their memberships")
    documented = {row[0]: row for row in rows}
    assert len(documented) == len(rows)
    in_database = {str(p.uid): p for p in Passholder.objects.all()}
    assert set(documented) == set(in_database)
    assert set(re.findall(UUID, DEMO_DATA.read_text())) == set(in_database)
    for uid, (
        _,
        first_name,
        name,
        born,
        postal_code,
        card_system,
        status,
        kansenstatuut,
        card,
    ) in documented.items():
        passholder = in_database[uid]
        assert (passholder.first_name, passholder.name, passholder.postal_code) == (
            first_name,
            name,
            postal_code,
        )
        assert (str(passholder.date_of_birth) if passholder.date_of_birth else "not known") == born
        membership = passholder.memberships.get()
        assert (membership.card_system.name, membership.status, membership.current_card.uitpas_number) == (
            card_system,
            status,
            card,
        )
        assert membership.kansenstatuut == (kansenstatuut != "none"), uid


def test_the_demo_cards_are_those_of_the_document(demo):
    rows = table(DEMO_DATA, "Cards")
    documented = {row[0]: row for row in rows}
    assert len(documented) == len(rows)
    in_database = {card.uitpas_number: card for card in Card.objects.select_related("balie", "passholder")}
    assert set(documented) == set(in_database)
    assert set(re.findall(UITPAS_NUMBER, DEMO_DATA.read_text())) <= set(in_database)
    for number, (_, chip, kansenpas, status, balie, holder) in documented.items():
        card = in_database[number]
        assert (card.chip_number or "", "yes" if card.kansenpas else "no", card.status, card.card_type) == (
            chip,
            kansenpas,
            status,
            "CARD",
        ), number
        assert (card.balie.name if card.balie else "") == balie, number
        assert (card.passholder.first_name if card.passholder else "") == holder, number


def test_the_demo_balies_and_their_consumer_keys_are_those_of_the_document(demo):
    documented = {row[1]: row[0] for row in table(DEMO_DATA, "Balies")}
    assert documented == dict(Balie.objects.values_list("consumer_key", "name"))


def test_the_demo_vouchers_are_those_of_the_document(demo):
    rows = table(DEMO_DATA, "Vouchers")
    in_database = {
        voucher.number: voucher for voucher in Voucher.objects.select_related("voucher_type__card_system")
    }
    assert {row[0] for row in rows} == set(in_database)
    for number, voucher_type, card_system, state in rows:
        voucher = in_database[number]
        assert f"{voucher.voucher_type.name} ({voucher.voucher_type.prefix})" == voucher_type
        assert voucher.voucher_type.card_system.name == card_system
        assert ("redeemed already" if voucher.redeemed_at else "unused") == state


def test_the_demo_price_lists_are_those_of_the_document(demo):
    documented = set()
    for card_system, index in (("UiTPAS Regio Aalst", 0), ("UiTPAS Gent", 1)):
        for reasons, kansenstatuut, voucher_type, age_from, age_to, unknown, price in table(
            DEMO_DATA, "Price lists", index
        ):
            for reason in reasons.split(", "):
                for flag in kansenstatuut.split(", "):
                    documented.add(
                        (
                            card_system,
                            reason,
                            flag == "yes",
                            voucher_type or None,
                            int(age_from) if age_from else None,
                            int(age_to) if age_to else None,
                            unknown == "yes",
                            Decimal(price),
                        )
                    )
    in_database = [
        (
            row.card_system.name,
            row.reason,
            row.kansenstatuut,
            row.voucher_type.name if row.voucher_type else None,
            row.age_from,
            row.age_to,
            row.use_when_age_unknown,
            row.price,
        )
        for row in UitpasPrice.objects.select_related("card_system", "voucher_type")
    ]
    assert {row.card_type for row in UitpasPrice.objects.all()} == {"CARD"}
    assert len(in_database) == len(set(in_database))
    assert set(in_database) == documented


def test_the_demo_api_credentials_are_those_of_the_document(demo):
    documented = {
        (consumer_key, consumer_secret, user, token, token_secret)
        for _, consumer_key, consumer_secret, user, token, token_secret in table(DEMO_DATA, "API credentials")
    }
    in_database = {
        (t.consumer.key, t.consumer.secret, t.user.username, t.token, t.secret)
        for t in AccessToken.objects.select_related("consumer", "user")
    }
    assert documented == in_database


# (d) Nothing outside the repository is cited -----------------------------------------

SKIPPED_DIRECTORIES = {
    ".venv",
    ".git",
    "artifacts",
    "staticfiles",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
}


@pytest.mark.parametrize("outside", ["../" + "shared/"])
def test_no_file_of_the_repository_cites_a_file_outside_it(outside):
    citing = []
    for directory, subdirectories, files in os.walk(BASE_DIR):
        subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_DIRECTORIES]
        for name in files:
            path = Path(directory) / name
            if path.suffix in {".sqlite3", ".pyc"} or ".sqlite3-" in name:
                continue
            try:
                text = path.read_text()
            except (UnicodeDecodeError, OSError):
                continue  # not text
            if outside in text:
                citing.append(str(path.relative_to(BASE_DIR)))
    assert citing == []
