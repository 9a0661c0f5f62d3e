"""Who may see and do what on the audit pages, from the login alone."""

from __future__ import annotations

import pytest

from maa.web.access import Forbidden, Visitor


def test_logins_map_to_what_each_may_see(monkeypatch: pytest.MonkeyPatch) -> None:
    business_unit, qiip = Visitor.named("Business-Unit"), Visitor.named("qiip")
    police = Visitor.named("coordinator-pol")
    assert (business_unit.business_unit, business_unit.programme, business_unit.agency) == (True, True, None)
    assert (qiip.business_unit, qiip.programme) == (False, True)
    assert (police.programme, police.agency) == (False, "POL")
    police.check_upload("pol")
    business_unit.check_upload("ICB")  # a return emailed to the Business Unit can be uploaded for the agency
    with pytest.raises(Forbidden, match="yours is POL"):
        police.check_upload("ICB")
    with pytest.raises(Forbidden, match="Only the Business Unit"):
        qiip.check_registration()
    with pytest.raises(Forbidden, match="Business Unit and QiiP"):
        Visitor.named("operator").check_programme()
    monkeypatch.setenv("MAA_QIIP_USERS", "qiip.chair, qiip.deputy")
    assert Visitor.named("qiip.deputy").programme and not Visitor.named("qiip").programme
