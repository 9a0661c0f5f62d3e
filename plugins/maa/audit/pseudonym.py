"""Pseudonymisation: a keyed hash of the system id and an age band.

The key is handed in as a `KeySource`: the pipeline's adapter reads the Airflow variable (or connection
password) `maa_pseudonym_key`, registering it with Airflow's secrets masker
so that task logs never show it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import date

AGE_BANDS = ((0, 0, "under 1"), (1, 4, "1-4"), (5, 9, "5-9"), (10, 15, "10-15"), (16, 17, "16-17"))
MINIMUM_KEY_LENGTH = 16


# Gives the key when asked (and raises MissingPseudonymKey without one): asked only when a case list arrives.
KeySource = Callable[[], bytes]


class MissingPseudonymKey(RuntimeError):
    pass


def hash_system_id(system_id: str, key: bytes) -> str:
    normalised = "".join(system_id.split()).upper()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def age_in_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date, on: date) -> str:
    age = age_in_years(born, on)
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    raise ValueError("not a child's age")
