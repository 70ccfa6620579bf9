"""The shipped rule set: YAML data, installed as the package `advisor.shipped_rules`.

Bump VERSION whenever a rule changes; every result reports it beside the content digest.
"""

VERSION = "2026.11.5"
