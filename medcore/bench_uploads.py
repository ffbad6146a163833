"""Per-workbench upload-to-result timings in the browser (filled as workbenches land).

Each entry takes (playwright page, base url) and returns ``{"<workbench>_upload_to_result_ms": t}``.
"""

from __future__ import annotations

from collections.abc import Callable

WORKBENCH_UPLOADS: dict[str, Callable] = {}
