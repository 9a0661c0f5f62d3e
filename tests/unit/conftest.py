"""Fixtures the unit tests of several subpackages share."""

from __future__ import annotations

import pytest

from maa.audit.definitions import AuditDefinition, load_definition
from tests.helpers.definitions import AuditFolders
from tests.helpers.paa_data import paa_definition_changes


@pytest.fixture
def paa(folders: AuditFolders) -> AuditDefinition:
    changes, remove = paa_definition_changes()
    return load_definition(folders.write_definition(changes, remove=remove))
