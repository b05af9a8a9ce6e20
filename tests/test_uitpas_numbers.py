import pytest

from cardsystems.uitpas_numbers import (
    is_kansenpas_number,
    luhn_check_digit,
    make_uitpas_number,
    parse_uitpas_number,
)
from uitpas_site.errors import UitpasError


@pytest.mark.parametrize("number", ["0930000000107", "0930000001410", "0930056878802", "0945000001111"])
def test_public_example_numbers_pass(number):
    assert parse_uitpas_number(number) == number


def test_surrounding_spaces_are_ignored():
    assert parse_uitpas_number(" 0930000000107\t") == "0930000000107"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0930000000108",
        "093000000010",
        "09300000001070",
        "1930000000107",
        "093000000010a",
        "0930000000 107",
        "０930000000107",
        "093000000012" + luhn_check_digit("093000000012"),
    ],
)
def test_invalid_numbers_are_refused_with_the_api_code(raw):
    with pytest.raises(UitpasError) as refused:
        parse_uitpas_number(raw)
    assert refused.value.code == "PARSE_INVALID_UITPASNUMBER"


def test_luhn_check_digit_of_the_public_examples():
    assert luhn_check_digit("093000000010") == "7"
    assert luhn_check_digit("093000000141") == "0"


def test_the_kansenpas_flag_is_the_twelfth_digit():
    assert is_kansenpas_number("0930000001410")
    assert not is_kansenpas_number("0930000000107")


def test_made_numbers_parse_and_carry_prefix_serial_and_flag():
    number = make_uitpas_number(prefix="09300", serial=123456, kansenpas=True)
    assert number[:11] == "09300123456" and number[11] == "1"
    assert parse_uitpas_number(number) == number
    assert make_uitpas_number(prefix="", serial=42, kansenpas=False)[:11] == "00000000042"
    with pytest.raises(ValueError):
        make_uitpas_number(prefix="09300", serial=1_000_000, kansenpas=False)
