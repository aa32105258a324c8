"""Nothing acknowledged is lost, or stored twice, when the app server is killed mid-load:
`bench/durability.py` with a small load, on the engine the suite runs on."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_killing_the_server_mid_load_loses_no_acknowledged_answer() -> None:
    engine = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "durability.py"), "--engine", engine, "--clients", "8",
         "--kills", "1", "--seconds", "1.5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    figures = {
        name: int(n) for name, n in re.findall(r"^(acknowledged|lost|duplicated)\s+(\d+)", run.stdout, re.M)
    }
    assert figures["acknowledged"] > 0, run.stdout
    assert (figures["lost"], figures["duplicated"]) == (0, 0), run.stdout
