"""Registers the audit pages with Airflow: the FastAPI app under /maa, and entries in the UI's navigation
(each opens the page inside Airflow's own frame). The pages themselves live in `maa.web`."""

from airflow.plugins_manager import AirflowPlugin

from maa.web.app import app

_PAGES = (
    # (menu entry, page, route inside the Airflow UI)
    ("Audit programme", "maa/dashboard", "audit-programme"),
    ("Upload a return", "maa/", "audit-upload"),
    ("Action tracker", "maa/tracker", "action-tracker"),
    ("Register an audit", "maa/audits/new", "register-audit"),
)


class AuditPagesPlugin(AirflowPlugin):
    name = "maa_pages"
    fastapi_apps = [{"app": app, "url_prefix": "/maa", "name": "Multi-agency audit pages"}]
    external_views = [{"name": name, "href": href, "url_route": route, "destination": "nav", "category": "Audits"}
                      for name, href, route in _PAGES]
