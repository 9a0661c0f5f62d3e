"""A nominating agency's case list, with a child whose name, system id and date of birth are distinctive
enough that a test can search every output for them."""

from __future__ import annotations

PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdef"  # the Airflow variable maa_pseudonym_key in tests
DISTINCTIVE_NAME = "Xanthippe Quorralind"
DISTINCTIVE_SYSTEM_ID = "QZX-99887766"
DISTINCTIVE_DOB = "2016-02-29"


def nominations_csv(rows: list[tuple[str, str, str, str]] | None = None) -> str:
    rows = rows if rows is not None else [
        ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB),
        ("C-02", "QZX-11223344", "Fictional Child Two", "2019-05-17"),
    ]
    lines = ["case_ref,system_id,child_name,date_of_birth"] + [",".join(r) for r in rows]
    return "\n".join(lines) + "\n"
