"""Evaluators' indicators: aggregates only, computed in the nightly run and kept in agg_indicator.

What each figure means, in Dutch and English, and which SQL computes it: indicators/DEFINITIONS.md.
"""
