"""Pseudonymisation: a keyed hash of the system id and an age band.

The key is an Airflow variable (or connection password) `maa_pseudonym_key`, read by
`maa.pipeline.pseudonym_key`, which registers it with Airflow's secrets masker for task logs.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

AGE_BANDS = ((0, 0, "under 1"), (1, 4, "1-4"), (5, 9, "5-9"), (10, 15, "10-15"), (16, 17, "16-17"))
MINIMUM_KEY_LENGTH = 16


class MissingPseudonymKey(RuntimeError):
    pass


def pseudonym_key() -> bytes:
    from maa.pipeline.pseudonym_key import read_pseudonym_key

    key = read_pseudonym_key()
    if not key or len(key) < MINIMUM_KEY_LENGTH:
        raise MissingPseudonymKey(
            "The Airflow variable (or connection password) maa_pseudonym_key is missing or shorter than "
            f"{MINIMUM_KEY_LENGTH} characters: the audit will not start without it, because system ids "
            "are stored only as a keyed hash. Set it, for example with "
            "`airflow variables set maa_pseudonym_key \"$(openssl rand -hex 32)\"`, and keep it safe."
        )
    return key.encode()


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
