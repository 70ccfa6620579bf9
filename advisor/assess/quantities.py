"""Sizes as manifests write them: Kubernetes quantities (500m, 256Mi) and Compose's (0.5, 512m, 1gb)."""

from __future__ import annotations

import re
from typing import Any

_K8S = re.compile(r"^(?P<number>[0-9]+(\.[0-9]+)?)(?P<suffix>m|k|M|G|T|Ki|Mi|Gi|Ti|)$")
_K8S_FACTORS = {
    "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}  # fmt: skip
_COMPOSE_BYTES = re.compile(r"^(?P<number>[0-9]+(\.[0-9]+)?)\s*(?P<unit>b|k|kb|m|mb|g|gb|t|tb)?$", re.IGNORECASE)
_COMPOSE_FACTORS = {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def kubernetes_quantity(value: Any) -> float:
    """A Kubernetes quantity as a plain number (cpu: cores, memory: bytes), or ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"expected a quantity such as 500m or 256Mi, got {value}")
    if isinstance(value, (int, float)):
        return float(value)
    match = _K8S.match(str(value).strip())
    if not match:
        raise ValueError(f"expected a quantity such as 500m or 256Mi, got {str(value)[:40]!r}")
    return float(match["number"]) * _K8S_FACTORS[match["suffix"]]


def compose_bytes(value: Any) -> float:
    """A Compose byte value (512m, 1gb, 2048) in bytes, or ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size such as 512m or 1g, got {value}")
    if isinstance(value, (int, float)):
        return float(value)
    match = _COMPOSE_BYTES.match(str(value).strip())
    if not match:
        raise ValueError(f"expected a size such as 512m or 1g, got {str(value)[:40]!r}")
    unit = (match["unit"] or "b").lower()[0]
    return float(match["number"]) * _COMPOSE_FACTORS[unit]


def compose_cpus(value: Any) -> float:
    """Compose's cpus (0.5, '1.5'), or ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number of CPUs such as 0.5, got {value}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number of CPUs such as 0.5, got {str(value)[:40]!r}") from None
