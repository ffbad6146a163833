"""The xray-gan model card."""

from __future__ import annotations

from medcore.imaging import data as xdata


def build_card(generator, config: dict, metrics: dict, counts: dict) -> dict:
    size = config["size"]
    return {
        "id": "xray-gan",
        "version": 2,
        "task": (f"Generate synthetic {size}x{size} pediatric chest X-rays conditioned on the "
                 "label (normal / pneumonia)."),
        "architecture": {
            "text": ("Conditional DCGAN: generator Dense -> 2x ConvTranspose(stride 2)-BN-ReLU "
                     "-> Conv tanh, label embedding concatenated to the noise (64-d); "
                     "discriminator 2x Conv(stride 2)-LeakyReLU-Dropout with a label plane. "
                     f"Non-saturating loss, label smoothing 0.9, Adam 2e-4/0.5, "
                     f"{config['epochs']} epochs, batch 64."),
            "params": int(generator.count_params()),
            "training_config": config,
        },
        "dataset": {**xdata.KERMANY, "size": size, "counts": counts},
        "metrics": metrics,
        "metric_notes": (
            "Frechet distance in the pooled-feature space of xray-cnn (frozen copy saved with this "
            "model; images resized to its input size first), 312 vs 312 images; lower is more "
            "realistic, the real-vs-real floor is what "
            "two real samples of the test split score. Augmentation experiment: the xray-cnn "
            "member architecture trained twice with the same optimiser budget "
            f"({config['aug_steps']} steps, seed {config['seed']}), once on real training images "
            "and once on real + as many synthetic images (same class ratio); both scored once on "
            "the test split. evaluate() regenerates images from fixed seeds and rescores the two "
            "saved classifiers; it does not retrain them."),
        "curves": {},
        "headline_metrics": ["fd_generated_vs_test", "fd_real_test_halves_floor"],
        "class_names": xdata.CLASS_NAMES,
        "anchors": [
            {"name": "real vs real floor (this split)",
             "value": metrics["fd_real_test_halves_floor"], "metric": "fd_xray_cnn_features",
             "source": "measured here"},
            {"name": "xray-cnn member trained on real data only",
             "value": metrics["augmentation"]["test_roc_auc"]["real_only"],
             "metric": "roc_auc", "source": "measured here"},
        ],
        "input_spec": {"shape": [[64], [1]], "preprocessing": (
            "Inputs: 64-d standard normal noise and an integer label (0 normal, 1 pneumonia); "
            f"output a {size}x{size}x1 image in 0-255, the xray-cnn input range.")},
        "intended_use": ("Teaching and research: show what a small GAN learns from the Kermany "
                         "films and measure whether synthetic images help a classifier. Images are "
                         "synthetic, not patients; never use them for diagnosis."),
        "limitations": [
            f"{size}x{size} pixels only; images look plausible at thumbnail size, not clinically.",
            "A GAN can copy training images (memorisation was not audited).",
            "FD with 312 images per set is noisy; compare with the real-vs-real floor.",
            "The augmentation experiment is one seed; its difference has a bootstrap CI "
            "over test cases, not over training runs.",
        ],
    }
