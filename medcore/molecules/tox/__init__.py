"""tox-cnn: Tox21 toxicity from an ensemble of D-MPNN graph networks and a fingerprint MLP,
with its calls, prediction sets, applicability domain and explanations."""
