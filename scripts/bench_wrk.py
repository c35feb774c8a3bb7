"""wrk (Debian's package) driving a fixed list of paths, for scripts/bench_layers.py: each of
its threads walks the list from its own offset, a thread's step being the number of threads,
so that together they request each path in turn; done() prints the latency percentiles and the
rate as JSON. With a list longer than the requests the run makes, no path is requested twice."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

THREADS = 2
CONNECTIONS = 8
SECONDS = 10
WRK = shutil.which("wrk") or "/usr/bin/wrk"

_SCRIPT = """
local paths = {%(paths)s}
local step = %(threads)d
local started = 0
function setup(thread)
    thread:set("offset", started)
    started = started + 1
end
function init(args)
    n = offset
    wrk.headers["Accept-Encoding"] = "gzip"
end
function request()
    local path = paths[(n %% #paths) + 1]
    n = n + step
    return wrk.format("GET", path)
end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '\\nBENCH {"requests": %%d, "seconds": %%.3f, "p50_us": %%d, "p95_us": %%d, ' ..
        '"p99_us": %%d, "max_us": %%d, "errors": %%d, "non_2xx_3xx": %%d, "paths": %%d}\\n',
        summary.requests, summary.duration / 1e6, latency:percentile(50),
        latency:percentile(95), latency:percentile(99), latency.max,
        e.connect + e.read + e.write + e.timeout, e.status, #paths))
end
"""


def _lua_string(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command(base_url: str, seconds: int = SECONDS) -> str:
    """The wrk command line, as the report names it (the script is written per case)."""
    return f"wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s -s <case>.lua {base_url}"


def run(base_url: str, paths: list[str], seconds: int = SECONDS) -> dict:
    """wrk over the paths for `seconds`: p50/p95/p99 (ms), requests/s, errors, and whether a
    path was requested more than once (`wrapped`)."""
    script = _SCRIPT % {"paths": ",\n".join(map(_lua_string, paths)), "threads": THREADS}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        lua = Path(directory) / "case.lua"
        lua.write_text(script, encoding="utf-8")
        arguments = ["-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s"]
        done = subprocess.run(  # noqa: S603 (our own command line)
            [WRK, *arguments, "--timeout", "30s", "-s", str(lua), base_url],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    raw = json.loads(line.removeprefix("BENCH "))
    return {
        "requests": raw["requests"],
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "requests_per_s": round(raw["requests"] / raw["seconds"], 1),
        "errors": raw["errors"] + raw["non_2xx_3xx"],
        "distinct_paths": raw["paths"],
        "wrapped": raw["requests"] > raw["paths"],
    }
