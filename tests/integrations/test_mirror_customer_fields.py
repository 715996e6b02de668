"""A customer's fields as a platform may really send them (found by the hypothesis webhook suite):
a number for a name is kept as its digits; anything but a real true/false for consent is unknown,
never consent."""

from datetime import UTC, datetime

from integrations.adapters import types as t
from integrations.mirror import _customer


def _sent(**fields) -> t.Customer:
    base = {"platform_id": "c1", "first_name": "Ann", "last_name": "Lee"}
    return t.Customer(**{**base, **fields})


def test_a_number_for_a_name_is_kept_as_digits():
    assert _customer(_sent(first_name=12345))["first_name"] == "12345"


def test_only_a_real_boolean_is_consent():
    row = _customer(_sent(email_opt_in="x" * 80, sms_opt_in=1))
    assert row["email_opt_in"] is None and row["sms_opt_in"] is None
    row = _customer(_sent(email_opt_in=True, sms_opt_in=False, updated_at=datetime.now(UTC)))
    assert row["email_opt_in"] is True and row["sms_opt_in"] is False
