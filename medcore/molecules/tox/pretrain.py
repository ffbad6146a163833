"""Multi-task pretraining of tox-cnn's D-MPNN on ToxCast, before fine-tuning on Tox21.

Why: Tox21 holds ~6k molecules; ToxCast's 517 in-vitro assays (Tox21's own assays removed) on
8k molecules probe the same receptors and stress pathways, so a message-passing network that
first learns them starts Tox21 from a representation of related biology (Hu et al. 2020 found
supervised multi-task pretraining helps most on new scaffolds).

Leakage: every ToxCast molecule whose parent's InChIKey skeleton (first block: connectivity,
without stereo or charge) matches a Tox21 molecule in the validation or test part of either
split is dropped, so neither the choice on validation nor the test figures see pretraining on
those molecules.

``python -m medcore.molecules.tox.pretrain`` fits and caches the weights (keyed by the settings and
the excluded molecules); ``model.train`` reuses the cache or fits the same thing itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcore import settings
from medcore.molecules import featurize
from medcore.molecules.tox import data

log = logging.getLogger(__name__)
FILE = "toxcast.csv.gz"
MIN_CLASS = 10          # an assay is pretrained on when it keeps >= 10 actives and inactives
HELD_OUT = 0.1          # ToxCast molecules kept out to stop pretraining (not Tox21's)
TRANSFER = ("message_passing", "ffn")   # the layers fine-tuning starts from
CONFIG = {"epochs": 20, "patience": 3, "batch": 50, "lr": 1e-3, "hidden": 300, "ffn": 300,
          "depth": 3, "seed": 0}


@dataclass
class ToxCast:
    smiles: list[str]
    mols: list
    labels: np.ndarray      # (n, assays) float32, NaN where not tested
    assays: list[str]
    n_raw: int
    n_unparsable: int
    n_excluded: int


def skeleton_key(mol) -> str:
    """First InChIKey block (connectivity only): matches a molecule across stereo, charge and
    tautomer-free spellings, the strict side for leakage."""
    from rdkit import Chem

    key = Chem.MolToInchiKey(mol) or ""
    return key.split("-")[0]


def held_out_keys(t: data.Tox21, splits: dict) -> set[str]:
    """Skeletons of every Tox21 molecule in a validation or test part of any split."""
    idx = np.unique(np.concatenate([sp[k] for sp in splits.values()
                                    for k in ("valid", "test")]))
    return {skeleton_key(t.mols[i]) for i in idx}


def load_toxcast(data_dir: Path, exclude: set[str], max_atoms: int = settings.MAX_HEAVY_ATOMS
                 ) -> ToxCast:
    """Parse, reduce to the largest fragment, drop excluded skeletons, and keep assays with
    enough actives and inactives among the molecules left."""
    import pandas as pd
    from rdkit import Chem

    featurize.silence_rdkit()
    df = pd.read_csv(Path(data_dir) / "molecules" / FILE)
    smiles, mols, rows, bad, excluded = [], [], [], 0, 0
    for i, s in enumerate(df["smiles"]):
        mol = Chem.MolFromSmiles(s) if isinstance(s, str) else None
        if mol is None:
            bad += 1
            continue
        mol, _ = featurize.largest_fragment(mol)
        can = featurize.canonical(mol)
        mol = Chem.MolFromSmiles(can)
        if mol is None or mol.GetNumAtoms() == 0 or mol.GetNumAtoms() > max_atoms:
            bad += 1
            continue
        if skeleton_key(mol) in exclude:
            excluded += 1
            continue
        smiles.append(can)
        mols.append(mol)
        rows.append(i)
    cols = [c for c in df.columns if c != "smiles"]
    y = df[cols].to_numpy(np.float32)[rows]
    keep = [j for j in range(y.shape[1])
            if np.nansum(y[:, j] == 1) >= MIN_CLASS and np.nansum(y[:, j] == 0) >= MIN_CLASS]
    log.info("toxcast: %d molecules kept, %d excluded, %d unparsable; %d of %d assays",
             len(smiles), excluded, bad, len(keep), len(cols))
    return ToxCast(smiles, mols, y[:, keep], [cols[j] for j in keep], len(df), bad, excluded)


def _cache_path(exclude: set[str], config: dict) -> Path:
    h = hashlib.sha256(json.dumps([sorted(exclude), config], sort_keys=True).encode())
    return settings.cache_dir() / f"tox-pretrained-{h.hexdigest()[:16]}.npz"


def fit(data_dir: Path, exclude: set[str], config: dict | None = None) -> dict:
    """Pretrain one D-MPNN on ToxCast (masked BCE over its assays), stopping on the mean
    ROC-AUC of ToxCast molecules held out from pretraining. Returns the transferable layers'
    weights and what the card records."""
    from medcore.molecules.tox import dmpnn

    cfg = CONFIG | (config or {})
    t0 = time.time()
    tc = load_toxcast(data_dir, exclude)
    feats = featurize.of_mols(tc.mols)
    order = np.random.default_rng(cfg["seed"]).permutation(len(tc.smiles))
    n_out = int(HELD_OUT * len(order))
    out_idx, in_idx = np.sort(order[:n_out]), np.sort(order[n_out:])
    net, history = dmpnn.fit(feats.take(in_idx), tc.labels[in_idx],
                             (feats.take(out_idx), tc.labels[out_idx]), epochs=cfg["epochs"],
                             patience=cfg["patience"], seed=cfg["seed"], batch=cfg["batch"],
                             lr=cfg["lr"], hidden=cfg["hidden"], ffn=cfg["ffn"],
                             depth=cfg["depth"])
    weights = {name: net.get_layer(name).get_weights() for name in TRANSFER}
    summary = {"data": f"ToxCast ({FILE}, Tox21's own assays already removed)",
               "molecules": len(in_idx), "held_out_molecules": n_out,
               "excluded_tox21_valid_test": tc.n_excluded, "unparsable_or_too_large":
               tc.n_unparsable, "assays": len(tc.assays), "config": cfg,
               "held_out_mean_roc_auc_per_epoch": history,
               "seconds": round(time.time() - t0, 1)}
    return {"weights": weights, "summary": summary}


def _save(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{name}/{i}": w for name, ws in result["weights"].items()
              for i, w in enumerate(ws)}
    np.savez(path, summary=json.dumps(result["summary"]), **arrays)


def _load(path: Path) -> dict:
    with np.load(path) as z:
        summary = json.loads(str(z["summary"]))
        weights: dict[str, list] = {name: [] for name in TRANSFER}
        keys = sorted((k for k in z.files if k != "summary"),
                      key=lambda k: (k.split("/")[0], int(k.split("/")[1])))
        for k in keys:
            weights[k.split("/")[0]].append(z[k])
    return {"weights": weights, "summary": summary}


def load_or_fit(data_dir: Path, exclude: set[str], config: dict | None = None) -> dict:
    """The cached pretraining for these settings and exclusions, else a fresh fit (cached)."""
    cfg = CONFIG | (config or {})
    path = _cache_path(exclude, cfg)
    if path.exists():
        log.info("pretrained weights from %s", path)
        return _load(path)
    result = fit(data_dir, exclude, cfg)
    _save(path, result)
    return result


def tox21_exclusions(data_dir: Path) -> set[str]:
    t = data.load_tox21(Path(data_dir))
    return held_out_keys(t, data.splits(t))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m medcore.molecules.tox.pretrain",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data_dir = settings.data_dir()
    result = load_or_fit(data_dir, tox21_exclusions(data_dir), {"epochs": args.epochs})
    print(json.dumps(result["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
