"""Two checks before an X-ray answer is shown, each with its own message.

1. **Is this a chest X-ray at all?** Colour first (X-rays are grey), then a small CNN on a
   64 px thumbnail (``xray_check.keras``) trained on training films, adult films of another
   hospital, both changed as other hospitals' films differ (``ood_probe.elsewhere``: borders,
   exposure, low contrast, portable films, rotation ...), and generated non-X-rays in families
   (photo, document, noise, drawing, negative film), so the message can say what the image
   looks like. Its limit on P(chest X-ray) is at most 0.5 and low enough that 99.9 % of
   validation films, changed or not, pass: a real chest film should never be told it is not
   one. (A logistic regression and a small MLP on hand-made features were tried first: both
   called tightly framed or bordered real films "not an X-ray" several times more often.)
2. **Is it like the films the model learned from?** First what a DICOM file states (age outside
   the training children's 1-5 years, a lateral view, a modality other than CR/DX), with the
   reason in plain words; then Mahalanobis distance (Ledoit-Wolf) of the model's pooled features
   and of a small image descriptor (layout, intensity quantiles, edges) to the training films,
   and an outlier-exposure score: a logistic regression on the same features and descriptor that
   tells training films from 1,500 adult normal films of another hospital (the other 500 are
   kept aside to measure it). Each limit is the validation films' 99th percentile.

How well both checks do is measured by :func:`report` on images no fit saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medcore.imaging import ood_probe
from medcore.imaging.preprocess import to_model_input

CHROMA_LIMIT = 0.06  # mean (max-min of R,G,B)/255 above this: a colour image
QUANTILE = 99.0
PASS_SHARE = 99.9  # % of validation films (changed or not) that check 1 must let through
THUMB = 64  # the detector's input size
FILE, DETECTOR = "ood.npz", "xray_check.keras"
CLASSES = ("chest_xray", *ood_probe.NOT_XRAY)
LOOKS_LIKE = {
    "photo": "It looks like a photograph, not a chest X-ray.",
    "document": "It looks like a document or a page of text, not a chest X-ray.",
    "noise": "It looks like random noise or a damaged image, not a chest X-ray.",
    "drawing": "It looks like a drawing, a diagram or a blank image, not a chest X-ray.",
    "negative_film": "It looks like a negative (inverted) film, bones dark and lungs bright, "
                     "not a chest X-ray as the model reads one. Invert it, or export the image "
                     "as the viewer shows it, and upload again.",
    "colour": "It is in colour, and X-rays are grey: it looks like a photo or an annotated "
              "screenshot, not a chest X-ray.",
}
NOT_XRAY_FIX = "No result is given. Upload a frontal chest X-ray (PNG, JPEG or DICOM)."
TRAINING_AGES = (1.0, 5.0)  # years: Kermany's children
LATERAL = {"LL", "RL", "LAT", "LATERAL", "LLD", "RLD"}
MODALITIES = {"CR", "DX"}
UNLIKE = ("This chest X-ray is unlike the films the model learned from (children aged 1-5 "
          "from one hospital in Guangzhou): for example an adult, another hospital's "
          "equipment, tubes and wires, or unusual framing or exposure. The model's answer may "
          "be wrong here, so it is not shown as a result.")
UNLIKE_TAGS = ("The model learned from frontal radiographs of children aged 1-5 from one "
               "hospital in Guangzhou, so its answer may be wrong here and is not shown as a "
               "result.")
MONOCHROME1_NEGATIVE = (
    "The file is marked MONOCHROME1 (dark means dense), so it was inverted as the DICOM standard "
    "says; the result looks like a negative film (bones dark, lungs bright), so the stored pixels "
    "were probably inverted already. No result is given. Export the film again (as MONOCHROME2, "
    "PNG or JPEG, as the viewer shows it) and upload that.")


def _years(value: float) -> str:
    return f"{value:g}" if value >= 1 else f"{value * 12:.0f} months old"


def file_says(facts: dict | None) -> list[str]:
    """Plain-words reasons, from what a DICOM file states, that a film is outside the model's
    training films (empty when the file says nothing against it)."""
    facts = facts or {}
    out = []
    age = facts.get("age_years")
    if age is not None and not TRAINING_AGES[0] <= age <= TRAINING_AGES[1]:
        who = _years(age)
        out.append(f"The file says the patient is {who}; the model learned from children aged "
                   f"{TRAINING_AGES[0]:g}-{TRAINING_AGES[1]:g}.")
    if facts.get("view") in LATERAL:
        out.append(f"The file says this is a lateral view ({facts['view']}); the model learned "
                   "from frontal films only.")
    modality = facts.get("modality")
    if modality and modality not in MODALITIES:
        out.append(f"The file says its modality is {modality}; the model learned from "
                   "radiographs (CR or DX) only.")
    return out


@dataclass
class Check:
    """The verdict on one image: ``status`` is ``ok``, ``not_chest_xray`` or ``unlike_training``.

    ``message`` is for people; ``details`` holds the numbers behind it (for an expander).
    """

    status: str
    message: str = ""
    details: dict = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return self.status != "ok"


def trim_borders(im: np.ndarray, flat: float = 3.0) -> np.ndarray:
    """The image without edge rows and columns that are nearly uniform (collimation, scan frames)
    so that a film inside a border is described by the film."""
    rows = np.flatnonzero(im.std(axis=1) > flat)
    cols = np.flatnonzero(im.std(axis=0) > flat)
    if len(rows) < 8 or len(cols) < 8:
        return im
    return im[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _detect(params: dict, x: np.ndarray) -> np.ndarray:
    """Class probabilities of the detector through its compiled call (~1 ms for one image)."""
    return np.asarray(params["detect"](thumbnails(x)), np.float64)


def descriptor(x: np.ndarray) -> np.ndarray:
    """(n, size, size) uint8 model inputs -> (n, 271) layout and texture features of the
    image inside its flat borders."""
    from PIL import Image

    out = []
    for im in np.asarray(x, np.uint8):
        im = trim_borders(im)
        pil = Image.fromarray(im)
        t16 = np.asarray(pil.resize((16, 16), Image.Resampling.BOX), np.float64) / 255.0
        t64 = np.asarray(pil.resize((64, 64), Image.Resampling.BOX), np.float64) / 255.0
        full = im.astype(np.float64) / 255.0
        layout = (t16 - t16.mean()) / (t16.std() + 1e-3)
        mirror = np.corrcoef(t16.ravel(), t16[:, ::-1].ravel())[0, 1] if t16.std() > 0 else 1.0
        edges = [np.abs(np.diff(a, axis=ax)).mean() for a in (t64, full) for ax in (0, 1)]
        out.append(np.concatenate([
            layout.ravel(), np.percentile(t64, [1, 5, 10, 25, 50, 75, 90, 95, 99]),
            edges, [t64.std(), mirror, (t64 < 0.04).mean(), (t64 > 0.96).mean()]]))
    return np.asarray(out)


def _inputs(images: list[np.ndarray], size: int) -> np.ndarray:
    return np.stack([to_model_input(im, size, "stretch") for im in images])


def _lw(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.covariance import LedoitWolf

    lw = LedoitWolf().fit(x)
    return lw.location_, lw.precision_


def distance(mean: np.ndarray, precision: np.ndarray, x: np.ndarray) -> np.ndarray:
    d = np.atleast_2d(x) - mean
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, precision, d), 0.0))


def thumbnails(x: np.ndarray) -> np.ndarray:
    """(n, size, size) uint8 -> (n, THUMB, THUMB, 1) float32 input of the detector."""
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(im).resize((THUMB, THUMB), Image.Resampling.BOX),
                                np.float32) for im in np.asarray(x, np.uint8)])[..., None]


def build_detector(seed: int = 0):
    """A small CNN: 64 px thumbnail -> logits over :data:`CLASSES`."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input((THUMB, THUMB, 1), name="thumbnail")
    x = layers.Rescaling(1 / 255.0)(inp)
    for width in (16, 32, 64):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    out = layers.Dense(len(CLASSES), activation="softmax", name="looks_like")(x)
    return keras.Model(inp, out, name="xray_check")


def _adult_inputs(features, x: np.ndarray) -> np.ndarray:
    return np.concatenate([features(x), descriptor(x)], axis=1)


def adult_score(params: dict, z: np.ndarray) -> np.ndarray:
    """Log-odds that a film is one of the adult films rather than a training film."""
    return ((np.atleast_2d(z) - params["adult_mean"]) / params["adult_scale"]) @ \
        params["adult_coef"] + float(params["adult_intercept"])


def fit_ood(features, x_train: np.ndarray, x_val: np.ndarray, folder: Path,
            x_adult: np.ndarray | None = None, seed: int = 1, n_films: int = 3000,
            n_per_family: int = 600, epochs: int = 12) -> None:
    """Fit both checks on training films, adult films of another hospital (``x_adult``, the
    fit part only) and generated images; set limits on validation films; write ``ood.npz``
    and the detector ``xray_check.keras`` into ``folder``.

    ``features``: uint8 (n, size, size) -> the model's pooled features (n, k).
    """
    import keras
    from sklearn.linear_model import LogisticRegression

    size = x_train.shape[1]
    rng = np.random.default_rng(seed)
    films = x_train[rng.choice(len(x_train), n_films // 7)]
    changed = [im for images in ood_probe.elsewhere(rng, films).values() for im in images]
    positives = [*x_train[rng.choice(len(x_train), n_films, replace=False)], *changed]
    if x_adult is not None and len(x_adult):
        adults = x_adult[rng.choice(len(x_adult), min(len(x_adult), n_films // 7),
                                    replace=False)]
        positives += [*x_adult, *[im for images in ood_probe.elsewhere(rng, adults).values()
                                  for im in images]]
    sets = ood_probe.non_xrays(rng, x_train, n_per_family)
    images = positives + [im for family in ood_probe.NOT_XRAY for im in sets[family][0]]
    labels = np.repeat(np.arange(len(CLASSES)),
                       [len(positives)] + [n_per_family] * len(ood_probe.NOT_XRAY))
    detector = build_detector(seed)
    detector.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    weights = (len(labels) / (len(CLASSES) * np.bincount(labels)))[labels]
    order = rng.permutation(len(labels))
    thumbs = thumbnails(_inputs(images, size))
    detector.fit(thumbs[order], labels[order], sample_weight=weights[order], batch_size=64,
                 epochs=epochs, verbose=0)
    detector.save(Path(folder) / DETECTOR)
    params: dict = {}
    val_changed = ood_probe.elsewhere(rng, x_val)
    val_all = np.concatenate([x_val, _inputs([im for v in val_changed.values() for im in v],
                                             size)])
    p_val = _predict(detector, val_all)[:, 0]
    params["xray_limit"] = np.array(min(0.5, float(np.percentile(p_val, 100 - PASS_SHARE))))
    f_train, f_val = features(x_train), features(x_val)
    d_train, d_val = descriptor(x_train), descriptor(x_val)
    params["feat_mean"], params["feat_precision"] = _lw(f_train)
    params["desc_mean"], params["desc_precision"] = _lw(d_train)
    params["feat_limit"] = np.array(np.percentile(
        distance(params["feat_mean"], params["feat_precision"], f_val), QUANTILE))
    params["desc_limit"] = np.array(np.percentile(
        distance(params["desc_mean"], params["desc_precision"], d_val), QUANTILE))
    if x_adult is not None and len(x_adult):
        z_in = np.concatenate([f_train, d_train], axis=1)
        z_out = _adult_inputs(features, x_adult)
        z = np.concatenate([z_in, z_out])
        params["adult_mean"], params["adult_scale"] = z.mean(axis=0), z.std(axis=0) + 1e-6
        lr = LogisticRegression(C=0.1, class_weight="balanced", max_iter=2000).fit(
            (z - params["adult_mean"]) / params["adult_scale"],
            np.r_[np.zeros(len(z_in)), np.ones(len(z_out))])
        params["adult_coef"], params["adult_intercept"] = lr.coef_[0], np.array(lr.intercept_[0])
        params["adult_limit"] = np.array(np.percentile(
            adult_score(params, np.concatenate([f_val, d_val], axis=1)), QUANTILE))
    np.savez(Path(folder) / FILE, **params)


def _predict(detector, x: np.ndarray) -> np.ndarray:
    return np.asarray(detector.predict(thumbnails(x), batch_size=256, verbose=0))


def load_ood(folder: Path) -> dict:
    """Limits and fitted means from ``ood.npz`` plus the detector (``params["detector"]``) and
    its compiled call (``params["detect"]``); the card has checked both files' hashes."""
    import tensorflow as tf

    from medcore.registry import load_keras_file

    with np.load(Path(folder) / FILE) as f:
        params = {k: (float(f[k]) if f[k].ndim == 0 else f[k]) for k in f.files}
    detector = load_keras_file(Path(folder) / DETECTOR)
    params["detector"] = detector
    params["detect"] = tf.function(lambda t: detector(t, training=False),
                                   reduce_retracing=True)
    return params


def check(params: dict, feats: np.ndarray, x: np.ndarray,
          chroma: np.ndarray | None = None, facts: list[dict] | None = None) -> list[Check]:
    """One :class:`Check` per image from pooled features, uint8 model inputs (n, size, size),
    colourfulness and what each file states (``facts``, from DICOM tags)."""
    desc = descriptor(x)
    probs = _detect(params, x)
    d_feat = distance(params["feat_mean"], params["feat_precision"], feats)
    d_desc = distance(params["desc_mean"], params["desc_precision"], desc)
    has_adult = "adult_coef" in params
    s_adult = (adult_score(params, np.concatenate([feats, desc], axis=1)) if has_adult
               else np.full(len(x), -np.inf))
    chroma = np.zeros(len(x)) if chroma is None else np.asarray(chroma, float)
    facts = facts or [{}] * len(x)
    out = []
    for prob, df, dd, sa, c, fact in zip(probs, d_feat, d_desc, s_adult, chroma, facts,
                                          strict=True):
        reasons = file_says(fact)
        details = {"p_chest_xray": round(float(prob[0]), 4),
                   "p_chest_xray_limit": round(params["xray_limit"], 4),
                   "looks_like": CLASSES[int(np.argmax(prob))],
                   "chroma": round(float(c), 4), "chroma_limit": CHROMA_LIMIT,
                   "feature_distance": round(float(df), 3),
                   "feature_limit": round(params["feat_limit"], 3),
                   "image_distance": round(float(dd), 3),
                   "image_limit": round(params["desc_limit"], 3),
                   "file_says": reasons}
        if has_adult:
            details["adult_score"] = round(float(sa), 3)
            details["adult_limit"] = round(float(params["adult_limit"]), 3)
        if c > CHROMA_LIMIT:
            out.append(Check("not_chest_xray", f"{LOOKS_LIKE['colour']} {NOT_XRAY_FIX}",
                             details))
        elif prob[0] < params["xray_limit"]:
            family = ood_probe.NOT_XRAY[int(np.argmax(prob[1:]))]
            if family == "negative_film" and fact.get("photometric") == "MONOCHROME1":
                out.append(Check("not_chest_xray", MONOCHROME1_NEGATIVE, details))
            else:
                out.append(Check("not_chest_xray", f"{LOOKS_LIKE[family]} {NOT_XRAY_FIX}",
                                 details))
        elif reasons:
            out.append(Check("unlike_training", " ".join([*reasons, UNLIKE_TAGS]), details))
        elif df > params["feat_limit"] or dd > params["desc_limit"] or \
                sa > params.get("adult_limit", np.inf):
            out.append(Check("unlike_training", UNLIKE, details))
        else:
            out.append(Check("ok", "", details))
    return out


def check_rows(details: dict) -> list[tuple[str, str, str, str]]:
    """The figures behind a check as labelled rows (what, value, limit, verdict) for people:
    the page's expander and the report's table."""
    def row(label, value, limit, passed):
        return (label, value, limit, "passed" if passed else "flagged")

    rows = [row("Colour (0 = grey, like an X-ray)", f"{details['chroma']:.3f}",
                f"at most {details['chroma_limit']:.2f}",
                details["chroma"] <= details["chroma_limit"]),
            row("Looks like a chest X-ray (detector, 0-1)", f"{details['p_chest_xray']:.3f}",
                f"at least {details['p_chest_xray_limit']:.3f}",
                details["p_chest_xray"] >= details["p_chest_xray_limit"])]
    for reason in details.get("file_says", []):
        rows.append(("What the file says", reason, "within the training films", "flagged"))
    rows += [row("Distance from the training films (what the model sees)",
                 f"{details['feature_distance']:.1f}", f"at most {details['feature_limit']:.1f}",
                 details["feature_distance"] <= details["feature_limit"]),
             row("Distance from the training films (layout and contrast)",
                 f"{details['image_distance']:.1f}", f"at most {details['image_limit']:.1f}",
                 details["image_distance"] <= details["image_limit"])]
    if "adult_score" in details:
        rows.append(row("Resemblance to adult films of another hospital (log-odds)",
                        f"{details['adult_score']:.1f}", f"at most {details['adult_limit']:.1f}",
                        details["adult_score"] <= details["adult_limit"]))
    return rows


def _shares(checks: list[Check]) -> dict[str, float]:
    status = [c.status for c in checks]
    return {s: round(status.count(s) / max(len(status), 1), 4)
            for s in ("not_chest_xray", "unlike_training")}


def report(decide, params: dict, test_x: np.ndarray, test_y: np.ndarray,
           seed: int = 0, n_per_family: int = 60) -> dict:
    """Both checks measured on images no fit saw (the card's ``metrics.ood``).

    ``test_split``: share of the official test films each check flags. ``not_xrays``: share of
    each generated family called "not a chest X-ray" and flagged at all. ``elsewhere``: the test
    films changed as other hospitals' films differ; per change the share told "not a chest
    X-ray" (should be 0), told "unlike", and ``silently_wrong``: a wrong class shown as a
    decision without a flag, the failure that counts. ``decide`` maps uint8 (n, size, size) to
    (the decided class per film, -1 where the answer is uncertain or fits neither; the pooled
    features), one forward pass for both.
    """
    size = test_x.shape[1]
    rng = np.random.default_rng(seed)

    def scored(x: np.ndarray, y: np.ndarray) -> dict:
        decided, feats = decide(x)
        checks = check(params, feats, x)
        wrong = (decided >= 0) & (decided != y)
        silent = [w and not c.flagged for w, c in zip(wrong, checks, strict=True)]
        return {**_shares(checks), "silently_wrong": round(float(np.mean(silent)), 4),
                "wrong_if_all_shown": round(float(np.mean(wrong)), 4)}

    out = {"test_split": scored(test_x, test_y), "not_xrays": {}, "elsewhere": {}}
    for family, (images, chroma) in ood_probe.non_xrays(rng, test_x, n_per_family).items():
        x = _inputs(images, size)
        checks = check(params, decide(x)[1], x, chroma)
        out["not_xrays"][family] = {
            "not_chest_xray": _shares(checks)["not_chest_xray"],
            "flagged": round(float(np.mean([c.flagged for c in checks])), 4)}
    for change, images in ood_probe.elsewhere(rng, test_x).items():
        out["elsewhere"][change] = scored(_inputs(images, size), test_y)
    out["n"] = {"test_split": len(test_y), "per_family": n_per_family,
                "per_change": len(test_y)}
    return out


REAL_CHANGES = ("low_contrast", "portable", "rotated")


def not_xray_on_real_films(params: dict, films: dict[str, np.ndarray], seed: int = 0) -> dict:
    """Share of real chest films (grey, so only the detector can refuse them) told "not a chest
    X-ray", per set of films and per change (low contrast, portable, rotated) of each set."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, x in films.items():
        refused = _detect(params, x)[:, 0] < params["xray_limit"]
        out[name] = {"n": int(len(x)), "not_chest_xray": round(float(refused.mean()), 4)}
        size = x.shape[1]
        for change in REAL_CHANGES:
            changed = _inputs([ood_probe.ELSEWHERE[change](rng, im) for im in x], size)
            refused = _detect(params, changed)[:, 0] < params["xray_limit"]
            out[name][change] = round(float(refused.mean()), 4)
    return out
