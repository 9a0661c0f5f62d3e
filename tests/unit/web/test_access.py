"""Who may see and do what on the audit pages, from the roles of the user Airflow's login established."""

from __future__ import annotations

import pytest

from maa.web.access import Forbidden, Visitor
from tests.helpers.people import fab_user


def test_roles_map_to_what_each_may_see() -> None:
    business_unit = Visitor.of(fab_user("dana.jones", "Business Unit", first="Dana", last="Jones"))
    qiip, admin = Visitor.of(fab_user("p.nair", "QiiP")), Visitor.of(fab_user("alex", "Admin"))
    police = Visitor.of(fab_user("ben", "Coordinator POL", "Public"))
    assert (business_unit.name, business_unit.login, qiip.name) == ("Dana Jones", "dana.jones", "p.nair")
    assert (business_unit.business_unit, business_unit.programme, business_unit.agency) == (True, True, None)
    assert (qiip.business_unit, qiip.programme) == (False, True)
    assert (admin.business_unit, admin.qiip) == (True, False), "Admin sees what the Business Unit sees"
    assert (police.programme, police.agency) == (False, "POL")
    police.check_upload("pol")
    business_unit.check_upload("ICB")  # a return emailed to the Business Unit can be uploaded for the agency
    with pytest.raises(Forbidden, match="yours is POL"):
        police.check_upload("ICB")
    with pytest.raises(Forbidden, match="Only the Business Unit"):
        qiip.check_registration()
    for nobody in (fab_user("ola", "Operator"), fab_user("new.starter", "Public")):
        with pytest.raises(Forbidden, match="Business Unit and QiiP"):
            Visitor.of(nobody).check_programme()
    both = Visitor.of(fab_user("sam", "Coordinator POL", "Coordinator EDU"))
    assert both.agencies == ("EDU", "POL") and both.agency == "EDU"
    both.check_upload("POL")
    with pytest.raises(Forbidden, match="yours is EDU, POL"):
        both.check_upload("ICB")


def test_qiip_and_the_operator_are_told_what_the_upload_page_is_for() -> None:
    for login, role, where in (("p.nair", "QiiP", "the audit programme page"), ("ola", "Operator", "role.")):
        with pytest.raises(Forbidden) as refused:
            Visitor.of(fab_user(login, role)).check_upload("POL")
        told = str(refused.value)
        assert told.startswith("This page is where an agency's coordinator uploads") and where in told, role
        assert "another agency" not in told and "Business Unit" not in told, role
