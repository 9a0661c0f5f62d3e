"""A real OpenLDAP directory for a test: Debian's slapd on loopback, on a free port, in a folder of its own,
with the memberof overlay (a person's groups are read from their entry, as FAB reads them) and the people
and groups the LDAP login test needs. Started and stopped by the test; nothing is left running."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from maa.ops.services import free_port

SUFFIX = "dc=example,dc=org"
PEOPLE_BASE, GROUPS_BASE = f"ou=people,{SUFFIX}", f"ou=groups,{SUFFIX}"
SERVICE_DN = f"cn=airflow,ou=services,{SUFFIX}"
# uid -> (given name, surname, the maa-* groups they start in)
PEOPLE = {"alice": ("Alice", "Liddell", ("qiip",)), "bob": ("Bob", "Okafor", ("coordinator-pol",)),
          "carol": ("Carol", "Nobody", ())}
GROUPS = ("qiip", "business-unit", "coordinator-pol")


def password_of(uid: str) -> str:
    return f"{uid}-directory-password"


@dataclass
class Directory:
    uri: str
    service_password: str
    admin_dn: str
    admin_password: str

    def _modify(self, ldif: str) -> None:
        subprocess.run(["ldapmodify", "-x", "-H", self.uri, "-D", self.admin_dn, "-w", self.admin_password],
                       input=ldif, text=True, check=True, capture_output=True)

    def _membership(self, change: str, group: str, uid: str) -> None:
        self._modify(f"dn: cn=maa-{group},{GROUPS_BASE}\nchangetype: modify\n{change}: member\n"
                     f"member: uid={uid},{PEOPLE_BASE}\n")

    def add_member(self, group: str, uid: str) -> None:
        self._membership("add", group, uid)

    def remove_member(self, group: str, uid: str) -> None:
        self._membership("delete", group, uid)


def _configuration(folder: Path, port: int, admin_password: str) -> str:
    return f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload refint
pidfile {folder}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
rootpw {admin_password}
directory {folder}/db
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
overlay refint
refint_attributes member
access to attrs=userPassword by self write by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by * none
"""


def _entries(service_password: str) -> str:
    """The directory's content. A groupOfNames needs a member, so each group keeps the service account."""
    entries = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example"]
    for unit in ("people", "groups", "services"):
        entries.append(f"dn: ou={unit},{SUFFIX}\nobjectClass: organizationalUnit\nou: {unit}")
    entries.append(f"dn: {SERVICE_DN}\nobjectClass: person\ncn: airflow\nsn: service\n"
                   f"userPassword: {service_password}")
    for uid, (given, surname, _) in PEOPLE.items():
        entries.append(f"dn: uid={uid},{PEOPLE_BASE}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
                       f"cn: {given} {surname}\ngivenName: {given}\nsn: {surname}\nmail: {uid}@example.org\n"
                       f"userPassword: {password_of(uid)}")
    for group in GROUPS:
        members = [SERVICE_DN] + [f"uid={uid},{PEOPLE_BASE}" for uid, (*_, groups) in PEOPLE.items()
                                  if group in groups]
        entries.append(f"dn: cn=maa-{group},{GROUPS_BASE}\nobjectClass: groupOfNames\ncn: maa-{group}\n"
                       + "\n".join(f"member: {member}" for member in members))
    return "\n\n".join(entries) + "\n"


@contextmanager
def openldap(folder: Path) -> Iterator[Directory]:
    if not shutil.which("slapd") or not shutil.which("ldapadd"):
        pytest.fail("Debian's slapd and ldap-utils are not installed (.ci/run installs them)")
    folder.mkdir(parents=True)
    (folder / "db").mkdir()
    port, admin_password = free_port(), secrets.token_urlsafe(12)
    (folder / "slapd.conf").write_text(_configuration(folder, port, admin_password))
    subprocess.run(["slaptest", "-u", "-f", str(folder / "slapd.conf")], check=True, capture_output=True)
    directory = Directory(f"ldap://127.0.0.1:{port}", secrets.token_urlsafe(12), f"cn=admin,{SUFFIX}", admin_password)
    with open(folder / "slapd.log", "wb") as log:  # -d keeps slapd in the foreground, a child of this test
        slapd = subprocess.Popen(["slapd", "-f", str(folder / "slapd.conf"), "-h", f"{directory.uri}/", "-d", "256"],
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["ldapwhoami", "-x", "-H", directory.uri], capture_output=True).returncode != 0:
            if slapd.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"slapd did not start; see {folder / 'slapd.log'}")
            time.sleep(0.2)
        subprocess.run(["ldapadd", "-x", "-H", directory.uri, "-D", directory.admin_dn, "-w", admin_password],
                       input=_entries(directory.service_password), text=True, check=True, capture_output=True)
        yield directory
    finally:
        slapd.terminate()
        slapd.wait(timeout=30)
