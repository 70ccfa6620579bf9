"""advisor: should a workload run on VMs, on containers, or on a hybrid of both — and why."""

__version__ = "0.1.0"
