"""Fleets: explain many sequences, chunk by chunk, on this machine or on a Ray cluster (issue #15).

:func:`batch` reads a :mod:`~rnnlens.fleet.sources` source one chunk at a time, has an engine
(:mod:`~rnnlens.fleet.local` or ``ray_engine``) run a :class:`~rnnlens.fleet.worker.ChunkWorker` on each
chunk, writes each chunk's rows as one Parquet part through a :class:`~rnnlens.fleet.store.FleetStore`
(resumable) and summarizes the parts (:mod:`~rnnlens.fleet.summary`).
"""

from __future__ import annotations

from rnnlens.fleet.api import batch
from rnnlens.fleet.summary import FleetSummary, summarize

__all__ = ["FleetSummary", "batch", "summarize"]
