"""The machine a benchmark ran on: every figure is reported with it."""

from __future__ import annotations

import os
import platform
from importlib import metadata

PACKAGES = ("tensorflow-cpu", "tensorflow", "keras", "numpy", "streamlit", "shap",
            "scikit-learn", "rdkit", "pandas")


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _gpus() -> list[str]:
    try:
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    except Exception:  # noqa: BLE001 - a missing or broken TF build just means "no GPU seen"
        return []


def versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages``; absent ones are left out."""
    out = {}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def machine() -> dict:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "gpus": _gpus(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions(),
    }
