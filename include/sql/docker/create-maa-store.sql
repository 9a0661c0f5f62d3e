-- Run once by the postgres container on its first start: the audit store's own database, beside Airflow's.
CREATE DATABASE maa OWNER airflow;
