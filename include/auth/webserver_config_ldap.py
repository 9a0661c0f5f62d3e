"""Airflow's login against the partnership's directory (LDAP), with directory groups giving the roles.

Airflow's API server (and `maa roles sync`, and FAB's `airflow users ...` commands) read this file when
`[fab] config_file` names it: AIRFLOW__FAB__CONFIG_FILE=<project>/include/auth/webserver_config_ldap.py.
A path that does not exist is silently ignored by FAB (it falls back to its own user table), so check the
login page after setting it. Each value comes from an environment variable, or edit the default here.

A person's roles are replaced from their groups at every login (AUTH_ROLES_SYNC_AT_LOGIN), so removing
someone from a group takes effect at their next login (tokens already issued last their lifetime:
`[api_auth] jwt_expiration_time`, a day by default). Their name and email are refreshed from the directory
at the same time, and decisions, reports and emails name them by it. docs/identity.md says more.
"""

import os

from flask_appbuilder.const import AUTH_LDAP

from maa.audit.roles import PUBLIC, defined_agency_codes, directory_mapping

AUTH_TYPE = AUTH_LDAP
# ldaps:// for TLS from the start; ldap:// with LDAP_STARTTLS=true upgrades the connection.
AUTH_LDAP_SERVER = os.environ.get("LDAP_URI", "ldaps://ldap.example.org")
AUTH_LDAP_USE_TLS = os.environ.get("LDAP_STARTTLS", "false").lower() == "true"
if os.environ.get("LDAP_CA_FILE"):
    AUTH_LDAP_TLS_CACERTFILE = os.environ["LDAP_CA_FILE"]

# Airflow looks people up as this service account, then checks the password by binding as the person.
AUTH_LDAP_BIND_USER = os.environ.get("LDAP_BIND_DN", "cn=airflow,ou=services,dc=example,dc=org")
AUTH_LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
AUTH_LDAP_SEARCH = os.environ.get("LDAP_PEOPLE_BASE", "ou=people,dc=example,dc=org")
AUTH_LDAP_SEARCH_FILTER = os.environ.get("LDAP_PEOPLE_FILTER", "(objectClass=inetOrgPerson)")
AUTH_LDAP_UID_FIELD = os.environ.get("LDAP_UID_ATTRIBUTE", "uid")  # sAMAccountName on Active Directory
AUTH_LDAP_FIRSTNAME_FIELD = "givenName"
AUTH_LDAP_LASTNAME_FIELD = "sn"
AUTH_LDAP_EMAIL_FIELD = "mail"
# The groups are read from the person's own entry: OpenLDAP needs its memberof overlay, AD has it built in.
AUTH_LDAP_GROUP_FIELD = "memberOf"

# Group DN -> role, compared as exact strings with what memberOf returns: cn=maa-business-unit,
# cn=maa-qiip, cn=maa-operators, cn=maa-admins, and cn=maa-coordinator-<code> for each agency code of the
# audits defined when the API server started (restart it after adding an audit with a new agency).
_GROUPS_BASE = os.environ.get("LDAP_GROUPS_BASE", "ou=groups,dc=example,dc=org")
AUTH_ROLES_MAPPING = directory_mapping(lambda group: f"cn=maa-{group},{_GROUPS_BASE}", defined_agency_codes())
AUTH_ROLES_SYNC_AT_LOGIN = True

# A first login creates the person's Airflow user record. FAB adds this role to every login on top of the
# mapped ones: `maa roles sync` keeps it without any permission, so someone in none of the groups can sign
# in but sees nothing.
AUTH_USER_REGISTRATION = True
AUTH_USER_REGISTRATION_ROLE = PUBLIC
