"""Assess what already exists: inventories and manifests in, inferred profiles and a portfolio report out.

The data flows one way, one module per step:

    files ─► readers (READERS in readers.py: RVTools XLSX/CSV, Compose, Kubernetes, libvirt XML, profiles)
          ─► Observed items: facts, each with where it was read (file, sheet, row, document)
          ─► infer.py: INFERENCES, one line per profile field, turns facts into a profile and says, field by
             field, what was read, what was inferred (and from what) and what is unknown and defaulted
          ─► portfolio.py: the engine's recommendation per item, verdicts ("insufficient data" when the
             answer rests mostly on unknowns), blockers and waves; compare.py: what changed since a report
          ─► formats.py: FORMATS, one entry per report format (JSON, CSV, XLSX, Markdown, HTML)

Nothing here knows about Flask or click: the CLI and the API call `assess_files` and a FORMATS entry.
"""
