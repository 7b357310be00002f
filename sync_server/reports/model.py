"""The data a report is made from: one inspection with its checklist version, site and answers.
Defined with the record renderer (``record_pdf.model``), which the field app uses too."""

from __future__ import annotations

from record_pdf.model import BlobLoader, ReportData

__all__ = ["BlobLoader", "ReportData"]
