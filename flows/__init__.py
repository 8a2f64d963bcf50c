"""Prefect wiring only: one flow per file, named with a verb. No business logic here."""
