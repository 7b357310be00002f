"""The biên bản (official inspection record) as a PDF, one renderer for the server and the
field app: ``render_inspection_pdf(ReportData, lang, load_blob, settings)``.

Plain Python on ``shared_schema`` and fpdf2 (pure Python; Pillow for images) with the DejaVu
fonts shipped as package data, so a phone renders the very record the server prints, offline.
"""

from record_pdf.model import BlobLoader, ReportData
from record_pdf.settings import RecordSettings

__all__ = ["BlobLoader", "RecordSettings", "ReportData"]
