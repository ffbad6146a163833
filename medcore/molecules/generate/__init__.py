"""mol-gan: a SELFIES LatentGAN that proposes new molecules, with its realism filter and
metrics."""
