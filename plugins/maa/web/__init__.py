"""The audit pages inside Airflow's UI: a FastAPI app the API server mounts (see plugins/maa_pages.py).

Split by what each page is about: who may see what, from the user's roles (`access`), the programme
dashboard (`dashboard`), agency uploads (`uploads`), the action tracker view (`tracker_view`),
registering an audit (`registration`); `app` wires them to routes and templates. Nothing here imports
Airflow at module level, so the pieces are tested without an API server, except `auth_manager`: the
FAB auth manager Airflow loads by name from `[core] auth_manager`.
"""
