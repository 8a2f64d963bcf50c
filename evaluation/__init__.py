"""Training and evaluating the scorecard: temporal splits, baselines, bias audit, model card.

Not part of the nightly path. On synthetic data it may compare against the generator's ground
truth (the latent-risk ceiling, audit attributes), given explicitly; the pipeline never does.
"""
