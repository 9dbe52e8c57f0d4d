"""Chinese identifiers and personal-data masking.

Covers the resident ID number (GB 11643-1999), the unified social credit code
(GB 32100-2015), mainland phone numbers, and the default masks for personal data
(see the domain notes, domain.md, "Identifiers and personal data").

Error messages never contain the whole input value: ID numbers and phone numbers
are personal data, and messages end up in logs and API responses.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

__all__ = [
    "InvalidIdentifier",
    "credit_code_check_char",
    "is_mobile",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "parse_credit_code",
    "parse_phone",
    "parse_resident_id",
    "resident_id_check_char",
]


class InvalidIdentifier(ValueError):
    """An identifier failed validation.

    The message says what is wrong in plain words (e.g. "check character is 5 but
    should be X") and never echoes the whole input value, at most its length or a
    single offending character.
    """


_ASCII_DIGITS = frozenset("0123456789")

# --- Resident ID number (GB 11643-1999) --------------------------------------

_RESIDENT_ID_LENGTH = 18
_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Birth dates are judged against the calendar date in China, whatever the
# server's own time zone is.
_CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def _china_today() -> date:
    return datetime.now(_CHINA_STANDARD_TIME).date()


def resident_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') for 17 digits."""
    if len(first17) != 17 or not set(first17) <= _ASCII_DIGITS:
        raise InvalidIdentifier(
            "need exactly 17 digits to compute a resident ID check character, "
            f"got {len(first17)} characters"
        )
    total = sum(int(c) * w for c, w in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK_CHARS[total % 11]


def parse_resident_id(value: str) -> str:
    """Validate an 18-character resident ID number and return it normalised.

    Surrounding whitespace is removed and a lowercase check character 'x' is
    returned as 'X'. Unknown address codes are accepted.
    """
    s = value.strip()
    if len(s) != _RESIDENT_ID_LENGTH:
        raise InvalidIdentifier(
            f"resident ID number must be 18 characters long, got {len(s)}"
        )
    for position, c in enumerate(s[:17], start=1):
        if c not in _ASCII_DIGITS:
            raise InvalidIdentifier(
                f"resident ID number character {position} is not a digit "
                f"(the first 17 characters must all be digits)"
            )
    last = s[17].upper()
    if last not in _ASCII_DIGITS and last != "X":
        raise InvalidIdentifier(
            "resident ID number character 18 (the check character) "
            "must be a digit or X"
        )

    year, month, day = int(s[6:10]), int(s[10:12]), int(s[12:14])
    try:
        birth = date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(
            "resident ID number birth date (characters 7-14) "
            "is not a real calendar date"
        ) from None
    if birth < _EARLIEST_BIRTH_DATE:
        raise InvalidIdentifier(
            "resident ID number birth date (characters 7-14) is before 1900-01-01"
        )
    if birth > _china_today():
        raise InvalidIdentifier(
            "resident ID number birth date (characters 7-14) is in the future"
        )

    expected = resident_id_check_char(s[:17])
    if last != expected:
        raise InvalidIdentifier(
            f"resident ID number check character is {last} but should be {expected}"
        )
    return s[:17] + last


# --- Unified social credit code (GB 32100-2015) ------------------------------

_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_LENGTH = 18
_CREDIT_CODE_WEIGHTS = tuple(3 ** (i - 1) % 31 for i in range(1, 18))
_CREDIT_CODE_VALUES = {c: i for i, c in enumerate(_CREDIT_CODE_ALPHABET)}


def _ascii_upper(c: str) -> str:
    # Only ASCII letters are upper-cased, so that e.g. 'ß' cannot turn into 'SS'.
    return c.upper() if c.isascii() else c


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters.

    Lowercase letters are accepted.
    """
    s = "".join(_ascii_upper(c) for c in first17)
    if len(s) != 17 or any(c not in _CREDIT_CODE_VALUES for c in s):
        raise InvalidIdentifier(
            f"need exactly 17 characters from {_CREDIT_CODE_ALPHABET} to compute "
            f"a credit code check character, got {len(s)} characters"
        )
    total = sum(_CREDIT_CODE_VALUES[c] * w for c, w in zip(s, _CREDIT_CODE_WEIGHTS, strict=True))
    return _CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value: str) -> str:
    """Validate an 18-character unified social credit code; return it upper-cased."""
    raw = value.strip()
    if len(raw) != _CREDIT_CODE_LENGTH:
        raise InvalidIdentifier(
            f"credit code must be 18 characters long, got {len(raw)}"
        )
    s = "".join(_ascii_upper(c) for c in raw)
    for position, (original, c) in enumerate(zip(raw, s, strict=True), start=1):
        if c not in _CREDIT_CODE_VALUES:
            raise InvalidIdentifier(
                f"credit code character {position} ({original!r}) is not allowed: "
                f"only digits and the letters A-Y except I, O, S, V are used"
            )
    expected = credit_code_check_char(s[:17])
    if s[17] != expected:
        raise InvalidIdentifier(
            f"credit code check character is {s[17]} but should be {expected}"
        )
    return s


# --- Phone numbers -------------------------------------------------------------

_PHONE_ERROR = (
    "not a mobile (1[3-9] + 9 digits) or landline (area code + 7-8 digits) number"
)
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# Area codes: 010 and 020-029 have three digits, the rest 0[3-9]xx four digits.
_LANDLINE_RE = re.compile(r"(010|02[0-9]|0[3-9][0-9]{2})([0-9]{7,8})")


def parse_phone(value: str) -> str:
    """Normalise a mainland China phone number.

    Whitespace and dashes are removed and a leading +86 or 0086 is dropped.
    A mobile number is returned as its 11 digits; a landline as
    "<area code>-<number>", e.g. "0356-5221234". After a country code the
    landline's leading 0 may be omitted, as in "+86 356 5221234".
    """
    s = "".join(value.split())
    for dash in _DASHES:
        s = s.replace(dash, "")
    had_country_code = False
    for prefix in ("+86", "0086"):
        if s.startswith(prefix):
            s = s[len(prefix):]
            had_country_code = True
            break

    if _MOBILE_RE.fullmatch(s):
        return s
    landline = _LANDLINE_RE.fullmatch(s)
    if landline is None and had_country_code and not s.startswith("0"):
        landline = _LANDLINE_RE.fullmatch("0" + s)
    if landline is not None:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise InvalidIdentifier(_PHONE_ERROR)


def is_mobile(phone: str) -> bool:
    """True if `phone` parses as a mobile number; False for landlines and invalid input."""
    try:
        return "-" not in parse_phone(phone)
    except InvalidIdentifier:
        return False


# --- Masking -------------------------------------------------------------------


def _mask_keeping_ends(s: str) -> str:
    """Keep up to 2 characters at each end, with at least one '*' between."""
    n = len(s)
    keep = max(0, min(2, (n - 1) // 2))
    stars = max(1, n - 2 * keep)
    return s[:keep] + "*" * stars + (s[n - keep:] if keep else "")


def mask_id_number(value: str) -> str:
    """Mask an ID number: "140581********1234" for 18 characters.

    Other lengths keep the first 2 and last 2 characters with stars between
    (at least one star; very short values keep fewer characters so that
    something is always hidden).
    """
    s = value.strip()
    if len(s) == _RESIDENT_ID_LENGTH:
        return s[:6] + "*" * 8 + s[-4:]
    return _mask_keeping_ends(s)


def mask_phone(value: str) -> str:
    """Mask a phone number: "138****5678", or "0356-***1234" for a landline.

    The number is normalised with parse_phone first. A value that does not
    parse is masked like an ID number of unusual length (first 2 and last 2
    characters kept) rather than raising.
    """
    try:
        phone = parse_phone(value)
    except InvalidIdentifier:
        return _mask_keeping_ends("".join(value.split()))
    if "-" in phone:
        area, number = phone.split("-")
        return f"{area}-" + "*" * (len(number) - 4) + number[-4:]
    return phone[:3] + "****" + phone[-4:]


_NAME_SEPARATORS = frozenset("\u00b7\u2022\u30fb")  # middle dots


def mask_name(value: str) -> str:
    """Keep a name's first character and replace each other character with '*'.

    "张三" -> "张*", "欧阳娜娜" -> "欧***", "John Smith" -> "J*** *****";
    a one-character name becomes "*". Spaces and name separators such as the
    middle dot in "阿依古丽·买买提" are kept.
    """
    s = value.strip()
    if len(s) <= 1:
        return "*" * len(s)
    rest = "".join(
        c if c.isspace() or c in _NAME_SEPARATORS else "*" for c in s[1:]
    )
    return s[0] + rest
