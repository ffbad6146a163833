"""Write the whole bad-input corpus to a folder, for trying files by hand in the app.

    python -m tests.bad_inputs.generate /tmp/medcore-bad-inputs

Each workbench module here builds its cases in code; nothing binary is checked in.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from tests.bad_inputs import Case


def all_cases() -> dict[str, list[Case]]:
    """Cases per workbench module (imaging, history, molecules, genomics)."""
    import tests.bad_inputs as pkg

    out = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name == "generate":
            continue
        mod = importlib.import_module(f"tests.bad_inputs.{info.name}")
        if hasattr(mod, "cases"):
            out[info.name] = mod.cases()
    return out


def write_corpus(folder: Path) -> int:
    n = 0
    for workbench, cases in all_cases().items():
        sub = folder / workbench
        sub.mkdir(parents=True, exist_ok=True)
        for case in cases:
            (sub / f"{case.name}__{case.filename}").write_bytes(case.data)
            n += 1
    return n


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs_out")
    count = write_corpus(target)
    sys.stdout.write(f"wrote {count} files under {target}\n")
