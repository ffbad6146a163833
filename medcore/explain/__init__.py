"""Explanation methods shared by every workbench (SHAP, Grad-CAM, gradients)."""
