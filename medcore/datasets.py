"""Dataset registry: name -> official URL, sha256, local file, licence, citation; ``fetch``.

``fetch`` prefers a local copy (the data folder, then the user cache) and only downloads when
neither has the file, verifying the checksum either way. Offline, it fails with a clear message.
"""

from __future__ import annotations

import logging
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from medcore import settings
from medcore.checksums import sha256_of
from medcore.errors import DataUnavailableError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    name: str
    path: str  # relative to the data folder / cache
    url: str
    sha256: str
    licence: str
    citation: str
    # False where the official source is a landing page or archive rather than this exact file.
    direct: bool = True


_PHYSIONET = "https://physionet.org/content/challenge-2012/1.0.0/"
_SILVA = ("Silva et al., Predicting In-Hospital Mortality of ICU Patients: the PhysioNet/CinC "
          "Challenge 2012, Comput Cardiol 2012;39:245-248")
_MOLNET = "Wu et al., MoleculeNet: a benchmark for molecular machine learning, Chem Sci 2018"
_MOLNET_URL = "https://deepchemdata.s3-us-west-1.amazonaws.com/datasets/"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset("pneumoniamnist", "xray/pneumoniamnist.npz",
                "https://zenodo.org/records/6496656/files/pneumoniamnist.npz",
                "20568c3c8f7ddebe016ab049006f1eb241ab4249e8eff13c3a5d09d11900d8b0",
                "CC BY 4.0",
                "Yang et al., MedMNIST v2, Scientific Data 2023; Kermany et al., Cell 2018"),
        Dataset("kermany224", "xray/kermany224/manifest.csv",
                "https://data.mendeley.com/datasets/rscbjbr9sj/2",
                "c3deb1530bcb4d07b71cc87cf07080cbd96362cbc1bf5daff4cd1f94187f137e",
                "CC BY 4.0",
                "Kermany et al., Cell 2018 (films resized to 224x224; manifest with per-file "
                "sha256)", direct=False),
        Dataset("adult-normal", "xray/adult-normal/manifest.csv",
                "https://www.kaggle.com/datasets/tawsifurrahman/covid19-radiography-database",
                "5fcbea6533fc94991483f23a1a5e1b395241d6857d574319770a2b4a06a1b531",
                "RSNA challenge terms; NIH: no restrictions",
                "Wang et al., ChestX-ray8, CVPR 2017; Shih et al., Radiology: AI 2019 (2,000 "
                "normal adult films, 224x224; manifest with per-file sha256)", direct=False),
        Dataset("physionet2012-a", "ehr/physionet2012_set-a.csv.gz", _PHYSIONET,
                "7fb4b9a4ce16b38289a2ce0c75865b8b1d7ff54886da75a0c0b2327615dbb855",
                "ODC-By 1.0", _SILVA, direct=False),
        Dataset("physionet2012-c", "ehr/physionet2012_set-c.csv.gz", _PHYSIONET,
                "5aa18bc994415cb6ac30b7b682e1afb8ebcd1e88131a9f71688408d98e3394ac",
                "ODC-By 1.0", _SILVA, direct=False),
        Dataset("physionet2012-outcomes-a", "ehr/physionet2012_outcomes-a.csv",
                _PHYSIONET + "Outcomes-a.txt",
                "2613ea60ccda29f87571a7d6b09ad130858a8ccd66325bd073365925026883c2",
                "ODC-By 1.0", _SILVA, direct=False),
        Dataset("physionet2012-outcomes-c", "ehr/physionet2012_outcomes-c.csv",
                _PHYSIONET + "Outcomes-c.txt",
                "0b32dcb7753c0f18f2f5fde498a28618b8879c5e527ce0dae8ad120dd7e205c9",
                "ODC-By 1.0", _SILVA, direct=False),
        Dataset("tox21", "molecules/tox21.csv", _MOLNET_URL + "tox21.csv.gz",
                "b58cc1f683e78e3c7a1bf7116e9aac0119804018d100f7b8cdb0857941c31aca",
                "Public domain (Tox21 Data Challenge 2014, NIH/EPA)", _MOLNET, direct=False),
        Dataset("clintox", "molecules/clintox.csv", _MOLNET_URL + "clintox.csv.gz",
                "cc561402d058a0d996a9f5e5d02bc20f6652b7003525b32c3598b8da4b24e9b7",
                "MoleculeNet (MIT, via chemprop)", _MOLNET, direct=False),
        Dataset("bbbp", "molecules/BBBP.csv", _MOLNET_URL + "BBBP.csv",
                "a61e17872cbec0743a6147dc802a1f7550acfe8dc1053f881f4c42a3ce2dc597",
                "MoleculeNet (MIT, via chemprop)", _MOLNET),
        Dataset("esol", "molecules/delaney.csv", _MOLNET_URL + "delaney-processed.csv",
                "887aa5930b0a7e7fcb76a2d25dc0ebe11c23878ca2d8d1e2204ca2c46b175140",
                "MoleculeNet (MIT, via chemprop)", "Delaney, J Chem Inf Comput Sci 2004",
                direct=False),
        Dataset("splice", "genomics/splice.data.csv", "https://archive.ics.uci.edu/dataset/69",
                "a8e1f2f76ef4c2393bb5d072c6e94c2db919d9c319a377012b59a5567fe6f5e8",
                "CC BY 4.0", "Towell, Noordewier & Shavlik 1992; Dua & Graff, UCI ML Repository",
                direct=False),
        Dataset("gue-splice-dev", "genomics/gue_splice_dev.csv",
                "https://github.com/MAGICS-LAB/DNABERT_2 (GUE: splice/reconstructed, dev.csv)",
                "e8c89f7881502445d68877a407ffcfa0ad702684169d306995dd345411b73bb3",
                "research benchmark (Apache-2.0 repository; Ensembl sequence)",
                "Zhou et al., DNABERT-2, ICLR 2024; Wang et al. 2019 (SpliceFinder)",
                direct=False),
    ]
}


def local_path(name: str) -> Path | None:
    """The first local copy (data folder, then cache) whose checksum matches, else None."""
    ds = get(name)
    for root in (settings.data_dir(), settings.cache_dir()):
        candidate = root / ds.path
        if candidate.exists():
            if sha256_of(candidate) == ds.sha256:
                return candidate
            log.warning("%s has a sha256 that differs from the registry; ignored", candidate)
    return None


def get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise DataUnavailableError(f"Unknown dataset '{name}'.",
                                   f"Known datasets: {', '.join(DATASETS)}.") from None


def _download(ds: Dataset, target: Path, progress: bool) -> None:
    tmp = target.with_suffix(target.suffix + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(ds.url, timeout=30) as resp, open(tmp, "wb") as out:
        total = int(resp.headers.get("Content-Length") or 0)
        try:
            from tqdm import tqdm

            bar = tqdm(total=total or None, unit="B", unit_scale=True, desc=ds.name,
                       disable=not progress)
        except ImportError:  # tqdm is optional
            bar = None
        while chunk := resp.read(1 << 16):
            out.write(chunk)
            if bar:
                bar.update(len(chunk))
        if bar:
            bar.close()
    if sha256_of(tmp) != ds.sha256:
        tmp.unlink()
        raise DataUnavailableError(f"Downloaded {ds.name} but its sha256 does not match.",
                                   "The source may have changed; fetch it by hand and check it.")
    shutil.move(tmp, target)


def fetch(name: str, progress: bool = True) -> Path:
    """Path to a verified local copy of dataset ``name``, downloading into the cache if needed."""
    ds = get(name)
    found = local_path(name)
    if found:
        return found
    target = settings.cache_dir() / ds.path
    how = (f"Download it from {ds.url}" + ("" if ds.direct else " (official source page)")
           + f" and place it at {settings.data_dir() / ds.path} or set MEDCORE_DATA_DIR.")
    if not ds.direct:
        raise DataUnavailableError(f"Dataset '{name}' is not in the data folder or cache.", how)
    try:
        _download(ds, target, progress)
    except OSError as err:
        raise DataUnavailableError(
            f"Dataset '{name}' is not available locally and could not be downloaded ({err}).", how
        ) from err
    return target
