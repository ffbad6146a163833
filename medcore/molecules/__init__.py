"""Drug discovery workbench: SMILES/CSV/SDF input, Tox21 toxicity CNN, SELFIES GAN."""
