"""The stock commands, run as an operator would, using the same services as the admin."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cardsystems.models import Card, CardHistory, CardStatus
from tests.stock import aalst_number, stock_state


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def in_english():
    """Commands speak the project's language (Dutch); these tests read them in English."""
    with translation.override("en"):
        yield


def run(*args, stdout=None) -> str:
    out = stdout or io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_generate_writes_the_numbers_for_the_supplier(demo, tmp_path):
    csv = tmp_path / "numbers.csv"
    output = run(
        "generate_cards",
        "--card-system",
        "UiTPAS Regio Aalst",
        "--count",
        "3",
        "--kansenpas",
        "--csv",
        str(csv),
    )
    numbers = [aalst_number(serial, kansenpas=True) for serial in (568789, 568790, 568791)]
    assert f"Generated 3 numbers of UiTPAS Regio Aalst: {numbers[0]} to {numbers[-1]}." in output
    assert csv.read_bytes().decode() == "".join(f'"{number}"\r\n' for number in numbers)
    assert Card.objects.filter(uitpas_number__in=numbers, status=CardStatus.PROVISIONED).count() == 3
    assert "\r" not in output  # no progress bar when the output is not a terminal


def test_a_progress_bar_on_a_terminal(demo):
    output = run("generate_cards", "--card-system", "UiTPAS Gent", "--count", "7", stdout=Terminal())
    assert "\rGenerating [" in output and "100% 7/7" in output


def test_generate_acts_as_the_user_asked_for_and_checks_their_rights(demo):
    run("generate_cards", "--card-system", "UiTPAS Regio Aalst", "--count", "1", "--user", "ksb-aalst")
    assert CardHistory.objects.filter(reason="GENERATED").get().user == demo.user("ksb-aalst")
    with pytest.raises(CommandError, match="ACCESS_DENIED"):
        run("generate_cards", "--card-system", "UiTPAS Gent", "--count", "1", "--user", "ksb-aalst")
    with pytest.raises(CommandError, match="No card system"):
        run("generate_cards", "--card-system", "Nowhere", "--count", "1")
    with pytest.raises(CommandError, match="INVALID_PARAMETERS"):
        run("generate_cards", "--card-system", "UiTPAS Gent", "--count", "0")


@pytest.fixture
def supplier_file(demo, tmp_path):
    run("generate_cards", "--card-system", "UiTPAS Regio Aalst", "--count", "3")
    path = tmp_path / "chips.csv"
    lines = [f'"04E{serial}";"{aalst_number(serial)}"' for serial in (568789, 568790, 568791)]
    path.write_text('"chip number";"uitpas number"\r\n' + "\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def test_import_checks_without_apply_and_imports_with_it(demo, supplier_file):
    before = stock_state()
    output = run("import_cards", "--card-system", "UiTPAS Regio Aalst", str(supplier_file))
    assert "3 lines, 3 cards to import, 0 with a problem." in output
    assert stock_state() == before
    output = run("import_cards", "--card-system", "UiTPAS Regio Aalst", str(supplier_file), "--apply")
    assert "Imported 3 cards of UiTPAS Regio Aalst" in output
    assert Card.objects.get(uitpas_number=aalst_number(568790)).chip_number == "04E568790"


def test_import_lists_every_problem_and_changes_nothing(demo, supplier_file):
    with supplier_file.open("a", encoding="utf-8") as file:
        file.write('"04E1";"0930000000800"\r\n"bad line"\r\n\xff\r\n')
    before = stock_state()
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_cards", "--card-system", "UiTPAS Regio Aalst", str(supplier_file), "--apply", stdout=out
        )
    assert stock_state() == before
    problems = [line for line in out.getvalue().splitlines() if line.startswith("line ")]
    assert [problem.split(":")[0:2] for problem in problems] == [
        ["line 5", " INVALID_CARD_STATUS"],
        ["line 6", " INVALID_PARAMETERS"],
        ["line 7", " INVALID_PARAMETERS"],
    ]


def test_import_shows_progress_on_a_terminal(demo, supplier_file):
    output = run("import_cards", "--card-system", "UiTPAS Regio Aalst", str(supplier_file), stdout=Terminal())
    assert "\rChecking [" in output and "100%" in output


def test_import_refuses_a_missing_file(demo, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        run("import_cards", "--card-system", "UiTPAS Regio Aalst", str(tmp_path / "none.csv"))
