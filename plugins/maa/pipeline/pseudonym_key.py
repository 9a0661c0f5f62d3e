"""The pseudonym key, read from Airflow and registered with Airflow's secrets masker.

Airflow hides a variable's value in task logs only when the variable's name holds a word of its
sensitive list (password, secret, api_key, ...), and `maa_pseudonym_key` holds none. So the value is
registered with the masker as it is read, in the task process and with the supervisor that writes
the task's log; the environments this project builds also add "pseudonym" to
`[core] sensitive_var_conn_names`, which hides the variable in the API and UI as well.
"""

from __future__ import annotations

KEY_NAME = "maa_pseudonym_key"
SENSITIVE_NAMES_SETTING = "AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES"
SENSITIVE_NAME = "pseudonym"


def read_pseudonym_key() -> str | None:
    """The Airflow variable, else the connection's password, else None; masked in logs from here on."""
    from airflow.sdk import BaseHook, Variable
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow.sdk.log import mask_secret

    key = Variable.get(KEY_NAME, default=None)
    if key is None:
        try:
            key = BaseHook.get_connection(KEY_NAME).password
        except AirflowNotFoundException:
            key = None
    if key:
        mask_secret(key)
    return key


def with_pseudonym_sensitive(names: str) -> str:
    """`[core] sensitive_var_conn_names` (a comma-separated list) with "pseudonym" among its words."""
    words = [w.strip() for w in names.split(",") if w.strip()]
    return ",".join(words if SENSITIVE_NAME in words else [*words, SENSITIVE_NAME])
