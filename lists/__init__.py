"""The prioritised list per wijkteam: assembling it from rule hits, and exporting it safely."""
