"""Run every benchmark under bench/ and print one table of figures.

    python -m bench               # all of them
    python -m bench foundation    # only bench/bench_foundation.py

Each ``bench/bench_<name>.py`` has ``run()`` answering a list of rows:
``{"name", "value", "unit"}`` and optionally ``"target"`` (text such as "<= 100")
and ``"note"``.
"""

import json
import math
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _format(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3f}"
    return str(value)


def _meets(value, target):
    if not target or not isinstance(value, int | float):
        return ""
    op, _, bound = target.partition(" ")
    bound = float(bound)
    ok = value <= bound if op == "<=" else value >= bound
    return "yes" if ok else "NO"


def _run_module(name):
    """Rows of one benchmark module, run in a process of its own: modules set up
    Django with different settings (embedded or service mode)."""
    script = (
        f"import json, sys; import bench.bench_{name} as m; "
        "rows = m.run(); sys.stdout.write('\\n@@rows ' + json.dumps(rows, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    marker = out.stdout.rfind("@@rows ")
    if out.returncode != 0 or marker < 0:
        return [{"name": "FAILED (see the output above)", "value": "", "unit": ""}]
    rows = json.loads(out.stdout[marker + 7 :])
    for row in rows:
        if isinstance(row.get("value"), str):
            try:
                row["value"] = float(row["value"])
            except ValueError:
                pass
    return rows


def main(argv):
    names = argv or sorted(p.stem[6:] for p in HERE.glob("bench_*.py"))
    rows = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for row in _run_module(name):
            rows.append({"bench": name, **row})
        print(
            f"  {name} took {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
            flush=True,
        )

    header = ["bench", "measure", "value", "unit", "target", "met", "note"]
    table = [
        [
            row["bench"],
            row["name"],
            _format(row["value"]),
            row.get("unit", ""),
            row.get("target", ""),
            _meets(row["value"], row.get("target")),
            row.get("note", ""),
        ]
        for row in rows
    ]
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(header, *table, strict=True)
    ]
    for line in [header, ["-" * w for w in widths], *table]:
        print(
            "  ".join(
                str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)
            ).rstrip()
        )


if __name__ == "__main__":
    main(sys.argv[1:])
