"""The xray-cnn model card: data, split, architecture, metrics, anchors, intended use."""

from __future__ import annotations

from medcore.imaging import data as xdata

VERSION = 3
ANCHORS = [
    {"name": n, "value": v, "metric": m, "source": src}
    for n, auc, acc, src in (
        ("Kermany et al. 2018, Inception-v3 transfer (full resolution)", 0.968, 0.928,
         "Kermany et al., Cell 2018; the same official test split"),
        ("MedMNIST+ ResNet-50 (224 px)", 0.962, 0.884,
         "MedMNIST+ (Doerrich et al. 2024), PneumoniaMNIST test at 224 px"),
        ("xray-cnn v2 (28 px)", 0.9675, 0.9087, "this card's revision notes"))
    for v, m in ((auc, "roc_auc"), (acc, "accuracy"))
]


def build_card(model, prep: dict, metrics: dict, curves: dict, counts: dict, config: dict) -> dict:
    size = prep["size"]
    w, stem = config["width"], config["stem"]
    convs = config["convs"]
    blocks = ", ".join(f"{c}x[3x3 conv-BN-ReLU] of {w * 2 ** b}" for b, c in enumerate(convs))
    prevalence = prep.get("prevalence")
    if prevalence is None:
        choice = "Youden's J on the validation split (prior-independent)."
        calibrated = "Calibrated on validation (74% pneumonia); at other prevalences " \
                     "probabilities shift."
    else:
        choice = (f"0.5 on probabilities moved from validation's class ratio to a prevalence of "
                  f"{prevalence:.3f} (the official test split's ratio): the accuracy-maximising "
                  "decision there if the validation calibration holds. "
                  "metrics.other_thresholds shows 0.5 and Youden's J on validation.")
        calibrated = (f"Temperature fitted on validation (74% pneumonia), then moved to "
                      f"{prevalence:.1%} pneumonia; where pneumonia is rarer or commoner than "
                      "that, probabilities are too high or too low (the page re-reads them at "
                      "the user's prevalence).")
    return {
        "id": "xray-cnn",
        "version": VERSION,
        "task": "Binary classification of a frontal pediatric chest X-ray: normal vs pneumonia.",
        "architecture": {
            "text": (f"One CNN: 5x5 stride-2 convolution of {stem} channels + BN + ReLU + max "
                     f"pool ({size} -> {size // 4} px), {len(convs)} blocks ({blocks} channels, "
                     "max pooling between them), global average pooling, dropout, one logit; "
                     "temperature-scaled sigmoid plus a prevalence offset (see input_spec). "
                     "Trained with random shift/rotation/zoom/contrast/brightness "
                     "(training_config.augment), class-balanced loss, Adam + cosine decay, "
                     f"{config['epochs']} epochs, fixed budget (no early stopping)."),
            "params": int(model.count_params()),
            "training_config": config,
        },
        "dataset": {**xdata.KERMANY, "counts": counts},
        "metrics": metrics,
        "curves": curves,
        "headline_metrics": ["roc_auc", "accuracy", "sensitivity"],
        "class_names": xdata.CLASS_NAMES,
        "anchors": ANCHORS,
        "goal": {"roc_auc": 0.98, "accuracy": 0.93},
        "input_spec": {
            "shape": [size, size, 1],
            "preprocessing": (f"Any PNG/JPEG/16-bit PNG/DICOM -> 8-bit grayscale -> the whole "
                              f"film stretched to {size}x{size} (PIL bicubic, aspect ratio not "
                              "kept, as the training copy was made)."),
            "threshold": prep["threshold"],
            "threshold_choice": choice,
            "temperature": prep["temperature"],
            "logit_offset": prep.get("offset", 0.0),
            "prevalence": prevalence,
        },
        "checks": {
            "not_chest_xray": "Colour, then a 64 px CNN (xray_check.keras) over chest X-ray / "
                              "photo / document / noise / drawing / negative film; the answer is "
                              "withheld with what the image looks like.",
            "unlike_training": "Mahalanobis distance of the model's pooled features and of an "
                               "image descriptor to the training films, limits at the validation "
                               "99th percentile; the probability is shown greyed, not as a "
                               "result.",
            "measured": "metrics.ood: flag rates on the official test films, on generated "
                        "non-X-rays (seed 0; the checks were fitted on seed 1) and on the test "
                        "films changed as other hospitals' films differ, with the share "
                        "silently wrong (a wrong class shown without a flag).",
        },
        "intended_use": ("Research and teaching demo of pneumonia screening on frontal pediatric "
                         "chest X-rays; shows a calibrated probability and where the model "
                         "looked, or says why it cannot answer. Not a medical device; not for "
                         "diagnosis."),
        "limitations": [
            "Trained on children aged 1-5 at one hospital in Guangzhou, normal vs pneumonia only: "
            "it cannot see tuberculosis, effusions, nodules, fractures or devices, and adult, "
            "lateral and other hospitals' films are outside its range (the checks flag most, "
            "not all; see metrics.ood).",
            f"Sees the whole film at {size}x{size} pixels, stretched to a square.",
            "Pneumonia label does not distinguish bacterial from viral.",
            calibrated,
            "Films from elsewhere are simulated (borders, exposure, markers, wires, rotation, "
            "framing): the project has no adult or other-hospital films to measure on.",
        ],
    }
