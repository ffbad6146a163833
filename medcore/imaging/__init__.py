"""Imaging workbench: chest X-ray upload, pneumonia CNN, Grad-CAM/SHAP, X-ray GAN, OOD check."""
