"""Running the product: the demo, `make up` / `make down`, and Airflow's services as child processes."""
