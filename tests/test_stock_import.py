"""Importing the supplier's file: the preview's problem list, and an apply that changes
nothing unless every line is good."""

import io

import pytest
from django.utils import translation

from cardsystems import card_import, services
from cardsystems.models import Card, CardHistory, CardStatus
from tests.stock import aalst_number, refusal, stock_state


@pytest.fixture
def generated(demo):
    """Four freshly generated Aalst numbers (serials 568789-568792)."""
    batch = services.generate_cards(user=demo.user("ksb-aalst"), card_system=demo.aalst, count=4)
    assert batch.first_number == aalst_number(568789)
    return [aalst_number(serial) for serial in range(568789, 568793)]


def every_problem_file(generated) -> list[str]:
    g0, g1, g2, g3 = generated
    return [
        '"chip number";"uitpas number"',  # 1: the column names, skipped
        f'"04C0001";"{g0}"',  # 2: good
        "",  # 3: blank, skipped
        '"04C0002"',  # 4
        '"04C0003";"0930000000108"',  # 5
        f'"XYZ";"{g1}"',  # 6
        f'"04C0004";"{g0}"',  # 7
        f'"04c0001";"{g1}"',  # 8
        f'"04C0005";"{aalst_number(999999)}"',  # 9
        '"04C0006";"0945000000204"',  # 10
        '"04C0007";"0930000000800"',  # 11
        f'"04A1000000000107";"{g2}"',  # 12
        f' "04c0008" ; "{g3}" ',  # 13: good, with spaces and a lower-case chip
        '"04C0009";"0930000000909"',  # 14: good, the demo's PROVISIONED card
    ]


EXPECTED_PROBLEMS = [
    (4, "INVALID_PARAMETERS"),  # one field
    (5, "PARSE_INVALID_UITPASNUMBER"),  # wrong check digit
    (6, "INVALID_PARAMETERS"),  # not a chip number
    (7, "INVALID_CARD"),  # UiTPAS number of line 2 again
    (8, "INVALID_PARAMETERS"),  # chip number of line 2 again (case does not matter)
    (9, "UNKNOWN_CARD"),
    (10, "INVALID_CARD"),  # a card of Gent
    (11, "INVALID_CARD_STATUS"),  # in stock already
    (12, "INVALID_PARAMETERS"),  # the chip of card 0930000000107
]


def test_the_preview_lists_every_problem_line_with_its_reason(demo, generated):
    before = stock_state()
    with translation.override("en"):
        preview = services.preview_card_import(
            user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=every_problem_file(generated)
        )
    assert stock_state() == before
    assert (preview.line_count, preview.card_count, preview.problem_count) == (12, 3, 9)
    assert [(problem.line, problem.code) for problem in preview.problems] == EXPECTED_PROBLEMS
    messages = {problem.line: problem.message for problem in preview.problems}
    assert messages[7] == f"UiTPAS number {generated[0]} is on line 2 too."
    assert messages[8] == "Chip number 04C0001 is on line 2 too."
    assert messages[12] == "Chip number 04A1000000000107 already belongs to card 0930000000107."
    assert not preview.importable


def test_the_checks_do_not_depend_on_where_batches_end(demo, generated, monkeypatch):
    monkeypatch.setattr(card_import, "BATCH_SIZE", 2)
    preview = services.preview_card_import(
        user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=every_problem_file(generated)
    )
    assert [(problem.line, problem.code) for problem in preview.problems] == EXPECTED_PROBLEMS
    assert preview.card_count == 3


def test_an_apply_with_one_problem_changes_nothing(demo, generated, monkeypatch):
    # Small batches: the good lines before the problem were written, and are undone.
    monkeypatch.setattr(card_import, "BATCH_SIZE", 2)
    lines = [f'"04C000{i}";"{number}"' for i, number in enumerate(generated)] + ['"04C0009";"0930000000800"']
    error = refusal(
        lambda: services.import_cards(user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=lines)
    )
    assert error.code == "ACTION_FAILED"
    assert [(problem.line, problem.code) for problem in error.preview.problems] == [
        (5, "INVALID_CARD_STATUS")
    ]


def test_an_apply_puts_the_cards_in_central_stock_with_their_chips(demo, generated):
    text = "\n".join(f'"04c{i:04d}";"{number}"' for i, number in enumerate(generated)) + "\n"
    preview = services.import_cards(
        user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=io.StringIO(text, newline="")
    )
    assert (preview.card_count, preview.problem_count) == (4, 0)
    cards = Card.objects.filter(uitpas_number__in=generated).order_by("uitpas_number")
    assert list(cards.values_list("chip_number", "status", "balie")) == [
        (f"04C{i:04d}", CardStatus.STOCK, None) for i in range(4)
    ]
    history = CardHistory.objects.filter(card__in=cards, reason="IMPORTED")
    assert (
        sorted(history.values_list("from_status", "to_status", "user__username"))
        == [("PROVISIONED", "STOCK", "ksb-aalst")] * 4
    )


def test_a_file_without_cards_imports_nothing(demo):
    ksb = demo.user("ksb-aalst")
    preview = services.preview_card_import(
        user=ksb, card_system=demo.aalst, lines=['"chip number";"uitpas number"']
    )
    assert (preview.line_count, preview.importable) == (0, False)
    error = refusal(lambda: services.import_cards(user=ksb, card_system=demo.aalst, lines=[]))
    assert (error.code, error.preview.problem_count) == ("ACTION_FAILED", 0)


def test_every_problem_is_counted_and_the_first_ones_listed(demo, generated):
    preview = services.preview_card_import(
        user=demo.user("ksb-aalst"),
        card_system=demo.aalst,
        lines=every_problem_file(generated),
        max_listed_problems=2,
    )
    assert preview.problem_count == 9
    assert [problem.line for problem in preview.problems] == [4, 5]


def test_unreadable_lines_are_problems_not_failures(demo, generated):
    lines = ['"04C1";"' + "9" * 200_000 + '"', f'"04C2";"{generated[0]}"', "\x00;\ufffd"]
    preview = services.preview_card_import(user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=lines)
    assert [problem.line for problem in preview.problems] == [1, 3]
    assert preview.card_count == 1


def test_only_administrators_of_the_card_system_import(demo, generated):
    lines = [f'"04C0001";"{generated[0]}"']
    for user, card_system in (("ann", demo.aalst), ("ksb-aalst", demo.gent)):
        for call in (services.preview_card_import, services.import_cards):
            error = refusal(
                lambda call=call, user=user, card_system=card_system: call(
                    user=demo.user(user), card_system=card_system, lines=lines
                )
            )
            assert error.code == "ACCESS_DENIED"


def test_the_import_reports_its_progress(demo, generated, monkeypatch):
    monkeypatch.setattr(card_import, "BATCH_SIZE", 3)
    done = []
    services.import_cards(
        user=demo.user("ksb-aalst"),
        card_system=demo.aalst,
        lines=["", *(f'"04C{i}";"{number}"' for i, number in enumerate(generated))],
        progress=done.append,
    )
    assert done == [4, 5]  # line numbers of the file, the blank first line included


def test_a_repeat_names_the_first_line_across_batches(demo, generated, monkeypatch):
    monkeypatch.setattr(card_import, "BATCH_SIZE", 2)
    g0 = generated[0]
    lines = [
        f'"04C1";"{g0}"',
        '"04C2";"0930000000909"',
        f'"04C3";"{g0}"',
        f'"04C4";"{g0}"',
        '"04C1";"' + generated[1] + '"',
    ]
    with translation.override("en"):
        preview = services.preview_card_import(
            user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=lines
        )
    assert [(problem.line, problem.message) for problem in preview.problems] == [
        (3, f"UiTPAS number {g0} is on line 1 too."),
        (4, f"UiTPAS number {g0} is on line 1 too."),
        (5, "Chip number 04C1 is on line 1 too."),
    ]
