"""The rule catalogue (YAML), its schema and engine. No threshold lives anywhere else."""
