# The image every Airflow service of docker-compose.yml runs: exactly requirements.txt, then the maa package.
FROM python:3.11-slim-bookworm

# WeasyPrint draws with Pango; HarfBuzz's subsetter keeps the PDFs small; DejaVu is the reports' font.
# OpenLDAP's and SASL's libraries serve FAB's directory login (python-ldap links them).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core curl libldap-2.5-0 libsasl2-2 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 50000 airflow
ENV AIRFLOW_HOME=/opt/airflow \
    PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1
WORKDIR /opt/airflow/project

COPY requirements.txt ./
# python-ldap comes as source only: it is built against OpenLDAP's headers, which leave with the compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libldap2-dev libsasl2-dev \
 && pip install --no-deps -r requirements.txt && pip check \
 && apt-get purge -y --auto-remove build-essential libldap2-dev libsasl2-dev \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY plugins ./plugins
RUN pip install --no-deps -e . && chown -R airflow: /opt/airflow

USER airflow
ENTRYPOINT ["airflow"]
