"""Registers the audit pages with Airflow: the FastAPI app under /maa, and one entry in the UI's navigation,
"Audits", which opens inside Airflow's own frame on the page for whoever is logged in (the dashboard for the
Business Unit and QiiP, an agency's upload page for its coordinator). The pages live in `maa.web`."""

from airflow.plugins_manager import AirflowPlugin

from maa.web.app import app


class AuditPagesPlugin(AirflowPlugin):
    name = "maa_pages"
    fastapi_apps = [{"app": app, "url_prefix": "/maa", "name": "Multi-agency audit pages"}]
    # One entry for everyone: Airflow shows navigation entries to every user, and the pages' own menu
    # offers each person only what they may open.
    external_views = [{"name": "Audits", "href": "maa/", "url_route": "audits", "destination": "nav"}]
