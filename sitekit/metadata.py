"""How a metadata field's text is read, the same way by the build and the authoring commands."""


def whole_number(value):
    """``value`` (a field's text, such as "2" or " 12 ") as an int; None when it is not a whole number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def positive_whole_number(value):
    """A whole number above 0 (an issue's number), else None."""
    number = whole_number(value)
    return number if number is not None and number > 0 else None
