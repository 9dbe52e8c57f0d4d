import random
from datetime import date, timedelta

import pytest

from domain import identifiers
from domain.identifiers import (
    InvalidIdentifier,
    credit_code_check_char,
    is_mobile,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_credit_code,
    parse_phone,
    parse_resident_id,
    resident_id_check_char,
)

GAOPING = "140581"
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gaoping_id(birth: str, sequence: str = "123") -> str:
    first17 = GAOPING + birth + sequence
    return first17 + resident_id_check_char(first17)


def reject(parse, value: str) -> str:
    """Assert that parsing fails, that the message does not leak the input; return it."""
    with pytest.raises(InvalidIdentifier) as excinfo:
        parse(value)
    message = str(excinfo.value)
    assert value.strip() not in message
    assert value.strip().upper() not in message
    return message


# --- Resident ID -----------------------------------------------------------------


def test_invalid_identifier_is_a_value_error():
    assert issubclass(InvalidIdentifier, ValueError)


def test_standard_example_resident_id_is_valid():
    assert parse_resident_id("11010519491231002X") == "11010519491231002X"


def test_check_char_of_standard_example_is_x():
    assert resident_id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # Worked by the ISO 7064 MOD 11-2 definition: weight of position i is
        # 2**(18-i) mod 11, check value (12 - sum mod 11) mod 11, 10 written X.
        ("14058119800101123", "1"),
        ("14058120001231004", "2"),
        ("14058119000101001", "3"),
    ],
)
def test_resident_id_check_char_matches_iso_7064_definition(first17, check):
    assert resident_id_check_char(first17) == check


@pytest.mark.parametrize("birth", ["19000101", "19491001", "19800101", "20000229", "20231231"])
def test_gaoping_ids_built_with_check_char_are_valid(birth):
    value = gaoping_id(birth)
    assert parse_resident_id(value) == value


def test_lowercase_x_is_accepted_and_returned_uppercase():
    assert parse_resident_id("11010519491231002x") == "11010519491231002X"


def test_surrounding_whitespace_is_stripped():
    assert parse_resident_id("  11010519491231002X\n") == "11010519491231002X"


def test_unknown_address_code_is_not_rejected():
    value = "999999" + "19800101" + "123"
    value += resident_id_check_char(value)
    assert parse_resident_id(value) == value


def test_resident_id_of_17_chars_is_rejected_for_length():
    message = reject(parse_resident_id, "11010519491231002")
    assert message == "resident ID number must be 18 characters long, got 17"


def test_resident_id_with_letter_in_middle_is_rejected_naming_position():
    message = reject(parse_resident_id, "1401811980A101123X")
    assert "character 11 is not a digit" in message


def test_resident_id_with_fullwidth_digit_is_rejected():
    message = reject(parse_resident_id, "14058119800101123\uff18")
    assert "must be a digit or X" in message


def test_resident_id_with_impossible_birth_date_is_rejected():
    message = reject(parse_resident_id, gaoping_id("19990230"))
    assert "birth date" in message
    assert "not a real calendar date" in message


def test_resident_id_with_future_birth_date_is_rejected():
    future = (date.today() + timedelta(days=2)).strftime("%Y%m%d")
    message = reject(parse_resident_id, gaoping_id(future))
    assert "birth date" in message
    assert "in the future" in message


def test_birth_date_today_is_accepted_and_tomorrow_rejected(monkeypatch):
    monkeypatch.setattr(identifiers, "_china_today", lambda: date(2024, 3, 15))
    assert parse_resident_id(gaoping_id("20240315")) == gaoping_id("20240315")
    message = reject(parse_resident_id, gaoping_id("20240316"))
    assert "in the future" in message


def test_birth_date_before_1900_is_rejected():
    message = reject(parse_resident_id, gaoping_id("18991231"))
    assert "before 1900-01-01" in message


def test_resident_id_with_wrong_check_char_is_rejected_saying_expected_char():
    message = reject(parse_resident_id, "110105194912310021")
    assert message == "resident ID number check character is 1 but should be X"


def test_rejection_messages_are_distinct_per_problem():
    messages = {
        reject(parse_resident_id, "11010519491231002"),
        reject(parse_resident_id, "1401811980A101123X"),
        reject(parse_resident_id, gaoping_id("19990230")),
        reject(parse_resident_id, "110105194912310021"),
    }
    assert len(messages) == 4


def test_resident_id_check_char_rejects_wrong_length_input():
    with pytest.raises(InvalidIdentifier):
        resident_id_check_char("1234")


def _random_resident_prefix(rng: random.Random) -> str:
    start = date(1900, 1, 1)
    birth = start + timedelta(days=rng.randrange((date.today() - start).days))
    address = "".join(rng.choice("0123456789") for _ in range(6))
    sequence = "".join(rng.choice("0123456789") for _ in range(3))
    return address + birth.strftime("%Y%m%d") + sequence


def test_property_resident_id_with_computed_check_char_parses_and_any_other_fails():
    rng = random.Random(11643)
    for _ in range(200):
        first17 = _random_resident_prefix(rng)
        check = resident_id_check_char(first17)
        assert parse_resident_id(first17 + check) == first17 + check
        for other in "0123456789X":
            if other == check:
                continue
            with pytest.raises(InvalidIdentifier, match="check character"):
                parse_resident_id(first17 + other)


# --- Unified social credit code -------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "911101080828461726"])
def test_public_example_credit_codes_are_valid(code):
    assert credit_code_check_char(code[:17]) == code[17]
    assert parse_credit_code(code) == code


def test_credit_code_weights_are_powers_of_three_mod_31():
    # Independent check of the weights given in GB 32100-2015.
    prefix = "10000000000000000"
    assert credit_code_check_char(prefix) == CREDIT_ALPHABET[(31 - 1) % 31]
    prefix = "00000000000000001"
    assert credit_code_check_char(prefix) == CREDIT_ALPHABET[31 - 28]


def test_lowercase_credit_code_is_accepted_and_uppercased():
    assert parse_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_credit_code_with_forbidden_letter_is_rejected_naming_position(letter):
    value = "91350100" + letter + "000100Y43"
    message = reject(parse_credit_code, value)
    assert "character 9" in message
    assert "not allowed" in message


def test_credit_code_with_forbidden_letter_in_first_position_names_position_1():
    message = reject(parse_credit_code, "O1350100M000100Y43")
    assert "character 1 " in message


def test_credit_code_of_wrong_length_is_rejected():
    message = reject(parse_credit_code, "91350100M000100Y4")
    assert message == "credit code must be 18 characters long, got 17"


def test_credit_code_with_wrong_check_char_is_rejected_saying_expected_char():
    message = reject(parse_credit_code, "91350100M000100Y44")
    assert message == "credit code check character is 4 but should be 3"


def test_credit_code_with_letters_in_first_two_positions_is_accepted():
    first17 = "Y1" + "140581" + "MA0K1234" + "5"
    value = first17 + credit_code_check_char(first17)
    assert parse_credit_code(value) == value


def test_property_credit_code_with_computed_check_char_parses_and_any_other_fails():
    rng = random.Random(32100)
    for _ in range(200):
        first17 = "".join(rng.choice(CREDIT_ALPHABET) for _ in range(17))
        check = credit_code_check_char(first17)
        assert parse_credit_code(first17 + check) == first17 + check
        for other in CREDIT_ALPHABET:
            if other == check:
                continue
            with pytest.raises(InvalidIdentifier, match="check character"):
                parse_credit_code(first17 + other)


# --- Phones -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["+8613812345678", "0086 138 1234 5678", "13812345678", "138-1234-5678"]
)
def test_mobile_numbers_are_normalised_to_11_digits(value):
    assert parse_phone(value) == "13812345678"


def test_mobile_starting_12_is_rejected():
    with pytest.raises(InvalidIdentifier) as excinfo:
        parse_phone("12812345678")
    assert str(excinfo.value) == (
        "not a mobile (1[3-9] + 9 digits) or landline (area code + 7-8 digits) number"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0356-5221234", "0356-5221234"),
        ("03565221234", "0356-5221234"),
        ("0356 522 1234", "0356-5221234"),
        ("+86 356 5221234", "0356-5221234"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("02112345678", "021-12345678"),
    ],
)
def test_landlines_are_returned_with_area_code_split(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize(
    "value", ["12345", "", "1381234567", "138123456789", "0356-52212", "00155512345", "86138123456780"]
)
def test_non_numbers_are_rejected(value):
    with pytest.raises(InvalidIdentifier, match="not a mobile"):
        parse_phone(value)


def test_is_mobile_distinguishes_mobile_landline_and_garbage():
    assert is_mobile("+86 138 1234 5678") is True
    assert is_mobile("0356-5221234") is False
    assert is_mobile("12345") is False


# --- Masking ----------------------------------------------------------------------


def test_mask_18_char_id_keeps_first_6_and_last_4():
    assert mask_id_number("140581198001011234") == "140581********1234"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("140581800101123", "14***********23"),
        ("AB1234", "AB**34"),
        ("ABCDE", "AB*DE"),
        ("ABCD", "A**D"),
        ("AB", "**"),
        ("A", "*"),
    ],
)
def test_mask_other_lengths_keeps_first_2_and_last_2_and_always_hides_something(value, expected):
    assert mask_id_number(value) == expected


def test_mask_mobile():
    assert mask_phone("13812345678") == "138****5678"


def test_mask_mobile_in_international_form_masks_normalised_number():
    assert mask_phone("+86 138 1234 5678") == "138****5678"


def test_mask_landline_keeps_area_code_and_last_4():
    assert mask_phone("0356-5221234") == "0356-***1234"
    assert mask_phone("010-12345678") == "010-****5678"


def test_mask_unparseable_phone_does_not_raise_and_hides_middle():
    assert mask_phone("12345") == "12*45"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李", "*"),
        ("John Smith", "J*** *****"),
        ("阿依古丽·买买提", "阿***·***"),
        ("", ""),
    ],
)
def test_mask_name(value, expected):
    assert mask_name(value) == expected
