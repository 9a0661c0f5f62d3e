"""Subprocess probe: one DAG-processor loop over one DAG file, as Airflow's parsing child runs it.

For each DAG file the DAG processor starts a child that parses the file (a DagBag), serialises every
DAG in it (`DagSerialization.to_dict`) and sends the result to the manager. The probe calls the
processor's own `_parse_file` and encodes its result as the child sends it; the parse and the
serialisation inside are timed apart by wrapping the two functions `_parse_file` calls. Each step has
its CPU time (this process) and wall time. Airflow's import is timed first, apart: every child pays it
before reading a DAG file.

Usage: probe_dag_processor.py DAG_FILE RESULT_JSON
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from probe_io import Stopwatch, write_result


def import_processor() -> object:
    """The Task SDK and the DAG processor's parsing module, as the child has them before parsing."""
    import airflow.sdk  # noqa: F401
    from airflow.dag_processing import processor

    return processor


def time_inside(watch: Stopwatch, processor: object) -> None:
    """Time the DagBag (the parse) and the serialisation where `_parse_file` calls them."""
    for name, step in (("BundleDagBag", "parse"), ("_serialize_dags", "serialise")):
        inner = getattr(processor, name)
        setattr(processor, name, lambda *args, _inner=inner, _step=step, **kwargs: watch.step(
            _step, lambda: _inner(*args, **kwargs)))


def one_loop(watch: Stopwatch, processor: object, dag_file: Path) -> tuple[object, bytes]:
    """`_parse_file` on the file, then its result framed for the manager as the child's comms do."""
    import structlog
    from airflow.sdk.execution_time.comms import _RequestFrame

    request = processor.DagFileParseRequest(file=str(dag_file), bundle_path=dag_file.parent, bundle_name="dags-folder")
    result = processor._parse_file(request, structlog.get_logger())
    frame = watch.step("send", lambda: _RequestFrame(id=0, body=result.model_dump()).as_bytes())
    return result, frame


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("dag_file", type=Path)
    arguments.add_argument("result")
    options = arguments.parse_args()

    watch = Stopwatch()
    processor = watch.step("import", import_processor)
    time_inside(watch, processor)
    result, frame = watch.step("loop", lambda: one_loop(watch, processor, options.dag_file.resolve()))
    serialised = [dag.data for dag in result.serialized_dags]
    write_result(options.result, {
        **watch.figures(),
        "dags": len(serialised),
        "serialised_bytes": [len(json.dumps(data)) for data in serialised],
        "frame_bytes": len(frame),
        "import_errors": {str(path): str(error)[:500] for path, error in (result.import_errors or {}).items()},
    })


if __name__ == "__main__":
    main()
