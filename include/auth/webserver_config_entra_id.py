"""Airflow's login through Microsoft Entra ID (OpenID Connect), with the app's roles giving the roles.

Documented, not tested here (no Entra tenant is reachable from the machines this project is built on).
Point Airflow at it as at the LDAP one: AIRFLOW__FAB__CONFIG_FILE=<project>/include/auth/
webserver_config_entra_id.py. In Entra ID: register an application (web), with the redirect URI
<AIRFLOW_BASE_URL>/auth/oauth-authorized/azure; create a client secret; under "App roles" create one role
per line of the mapping below (value "maa.qiip" and so on) and assign people or groups to them in
"Enterprise applications". The ID token then carries the person's app roles in its "roles" claim.

Roles are replaced from the token at every login; names and email come from its given_name, family_name
and email claims. The login name is the person's object id (a GUID), so decisions and reports name people
by their full name. Airflow's REST API cannot take an Entra password (POST /auth/token): scripts log in
through the browser's session or use a service login kept in FAB's own table. docs/identity.md says more.
"""

import os

from flask_appbuilder.const import AUTH_OAUTH

from maa.audit.roles import PUBLIC, defined_agency_codes, directory_mapping

_TENANT = os.environ.get("ENTRA_TENANT_ID", "00000000-0000-0000-0000-000000000000")
_AUTHORITY = f"https://login.microsoftonline.com/{_TENANT}"

AUTH_TYPE = AUTH_OAUTH
OAUTH_PROVIDERS = [{
    "name": "azure",
    "icon": "fa-windows",
    "token_key": "access_token",
    "remote_app": {
        "client_id": os.environ.get("ENTRA_CLIENT_ID", ""),
        "client_secret": os.environ.get("ENTRA_CLIENT_SECRET", ""),
        "api_base_url": f"{_AUTHORITY}/oauth2",
        "access_token_url": f"{_AUTHORITY}/oauth2/v2.0/token",
        "authorize_url": f"{_AUTHORITY}/oauth2/v2.0/authorize",
        "request_token_url": None,
        "jwks_uri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        # FAB checks the ID token's signature, issuer (this tenant) and audience (this app).
        "client_kwargs": {"scope": "openid email profile", "tenant_id": _TENANT},
    },
}]

# App role value -> role: maa.business-unit, maa.qiip, maa.operators, maa.admins, and
# maa.coordinator-<code> for each agency code of the audits defined when the API server started.
AUTH_ROLES_MAPPING = directory_mapping(lambda group: f"maa.{group}", defined_agency_codes())
AUTH_ROLES_SYNC_AT_LOGIN = True
AUTH_USER_REGISTRATION = True
AUTH_USER_REGISTRATION_ROLE = PUBLIC  # kept without permissions by `maa roles sync`
