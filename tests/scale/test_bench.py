"""make bench, end to end at a small scale: the harness breaks (a trigger the bulk copy turns off,
a capture that sees no SQL) show here rather than at the end of a forty-minute run."""

import json
import os
import subprocess
import sys

import pytest

from tests.scale.servers import ROOT, soak

SCALE = 3000


@pytest.mark.django_db
def test_the_benchmark_runs_through_and_reports_every_case(tmp_path):
    command = [sys.executable, "scripts/bench.py", "--sites", "300", "--scales", str(SCALE)]
    command += ["--certificates", "0", "--import-rows", "0", "--browser-loads", "0"]
    command += ["--requests", "3", "--wrk-seconds", "1", "--report-dir", str(tmp_path)]
    # Its database is named after this test's (plus "_bench"), created and dropped by the run.
    environ = os.environ | {"DATABASE_URL": soak.database_url()}
    done = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]

    report = json.loads((tmp_path / "performance.json").read_text(encoding="utf-8"))
    (scale,) = report["layers"]["scales"]
    assert scale["sites"] == SCALE
    assert len(scale["cases"]) >= 10
    for case in scale["cases"]:
        assert case["sql_statements"] > 0, case["case"]
        assert case["response"]["requests"] >= 3, case["case"]
        assert case["warm"]["errors"] == 0, case["case"]
    assert scale["city_cold_wrk"]["errors"] == 0
    written_by = (tmp_path / "PERFORMANCE.md").read_text(encoding="utf-8").splitlines()[2]
    assert written_by.startswith("Written by `scripts/bench --sites 300 --import-rows 0")
