"""Real held-out records packaged as a user's upload would be (for benches and browser tests).

Each function reads the data folder and raises ``DataUnavailableError`` when the file is absent.
"""

from __future__ import annotations

import io

import numpy as np

from medcore import datasets


def xray_film(index: int = 0) -> np.ndarray:
    """The ``index``-th official test film of the Kermany copy (224 px, uint8)."""
    import pandas as pd
    from PIL import Image

    manifest_file = datasets.fetch("kermany224", progress=False)
    manifest = pd.read_csv(manifest_file)
    path = manifest[manifest["split"] == "test"]["path"].iloc[index]
    with Image.open(manifest_file.parent / path) as im:
        return np.asarray(im.convert("L"))


def xray_png(index: int = 0, size: int = 256, text: str | None = None) -> bytes:
    """A real test film resized like a user's export; optional PNG tEXt chunk."""
    from PIL import Image, PngImagePlugin

    im = Image.fromarray(xray_film(index)).resize((size, size), Image.Resampling.BICUBIC)
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    buf = io.BytesIO()
    im.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def history_csv(first: int = 0, n: int = 2, prefix: str = "") -> bytes:
    """Set-C rows of ``n`` consecutive ICU stays starting at the ``first``-th, in the documented
    long format; ``prefix`` is prepended to each record id (e.g. to tell sessions apart)."""
    import pandas as pd

    df = pd.read_csv(datasets.fetch("physionet2012-c", progress=False))
    ids = df["record_id"].drop_duplicates().iloc[first:first + n]
    df = df[df["record_id"].isin(ids)]
    df["record_id"] = prefix + df["record_id"].astype(str)
    return df.to_csv(index=False).encode()


def splice_fasta(n: int = 3, header_prefix: str = "seq") -> bytes:
    """The first ``n`` splice-junction sequences as FASTA."""
    import pandas as pd

    df = pd.read_csv(datasets.fetch("splice", progress=False), skipinitialspace=True)
    seqs = df.iloc[:n, -1].astype(str).str.strip()
    return "".join(f">{header_prefix}{i}\n{s}\n" for i, s in enumerate(seqs)).encode()


DRUGS_SMI = b"CC(=O)Oc1ccccc1C(=O)O aspirin\nCN1C=NC2=C1C(=O)N(C(=O)N2C)C caffeine\n"


def history_hospital_csv(first: int = 0, n: int = 2) -> bytes:
    """Set-C stays written as a hospital exports them (``medcore.history.exports``): wide, with
    date-times, degF, lb and mmol/L, and pulse oximetry labelled SpO2 instead of SaO2."""
    from medcore.history import exports
    from medcore.history.io import read_physionet

    rec = read_physionet(datasets.fetch("physionet2012-c", progress=False)).records
    with_sao2 = rec.loc[rec["variable"] == "SaO2", "patient_id"]
    ids = list(dict.fromkeys(with_sao2))[first:first + n]
    rec = rec[rec["patient_id"].isin(ids)].copy()
    rec.loc[rec["variable"] == "SaO2", "variable"] = "SpO2"
    return exports.to_hospital_csv(rec)
