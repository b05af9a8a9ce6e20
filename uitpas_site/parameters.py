"""What every operation makes of a request's raw values, whichever door they came
through (the XML API's parameters, the back-office's form fields)."""


def given(value: str | None) -> str | None:
    """The value without surrounding whitespace; None when absent or blank."""
    if value is None:
        return None
    value = value.strip()
    return value or None
