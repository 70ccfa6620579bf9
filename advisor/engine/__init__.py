"""Loading, evaluating and deciding: profile + rules -> recommendation. Knows nothing of Flask or click."""
