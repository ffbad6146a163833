"""Patient-history workbench: long CSV -> hourly grid -> GRU-D / temporal CNN risk + SHAP."""
