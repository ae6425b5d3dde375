"""Pull a txgate source on Airflow's schedule instead of txgate's own.

`txgate pull <source>` exits 0 when pages were ingested, 75 when there was nothing new or another
txgate instance holds the source's lease (the task is then skipped, not failed), and 1 on failure
(Airflow retries it). The cursor only moves after a page is durably published, so a retried or
overlapping run never publishes a page twice.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="txgate_pull_mahak",
    schedule="*/15 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2), "retry_exponential_backoff": True},
) as dag:
    BashOperator(
        task_id="pull_mahak",
        bash_command="npx txgate pull mahak",
        cwd="/opt/txgate",
        # Secrets are named in sources.yaml by environment variable; pass them from an Airflow connection or variable.
        env={"TXGATE_SOURCES": "/opt/txgate/sources.yaml", "MAHAK_TOKEN": "{{ var.value.mahak_token }}"},
        append_env=True,
        skip_on_exit_code=75,
    )
