"""Reports and exports in plain Python (no web framework): the inspection record PDF,
CSV / XLSX / GeoJSON exports of inspections and the dashboard's aggregations.

Everything here works on plain typed data (``ReportData`` and small row Structs) so it is
tested without a server; the console and the API only gather the data and call in.
"""

from sync_server.reports.model import BlobLoader, ReportData

__all__ = ["BlobLoader", "ReportData"]
