"""Genomics workbench: FASTA parsing, IUPAC one-hot, splice-junction CNN, BiGRU embeddings."""
