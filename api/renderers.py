"""A CSV renderer for tabular endpoints: flat, stable columns, machine-readable numbers; or, when the view sets
`csv_variant` to smartcity.spreadsheet.EXCEL_DE (`?variant=excel-de`), the German Excel variant of cells the view
formatted (spreadsheet.excel_de_text: byte order mark, `;`) under the view's `csv_header` (German names)."""

import io
import math
from decimal import Decimal

from rest_framework.renderers import BaseRenderer

from smartcity import spreadsheet


def csv_cell(value) -> str:
    """true/false, numbers with a dot and full precision, plain decimals, empty for None or NaN."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


class CSVRenderer(BaseRenderer):
    """Renders a list of flat dicts. The columns are the view's `csv_columns` (so a header is written even
    for no rows and does not depend on the data), else the first row's keys. Anything else (an error
    body) is written as one `key,value` row per item; views should answer errors as JSON instead."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = spreadsheet.csv_writer(buffer, lineterminator="\r\n")
        if isinstance(data, dict):
            writer.writerows([key, csv_cell(value)] for key, value in data.items())
            return buffer.getvalue().encode(self.charset)
        rows = list(data or [])
        view = (renderer_context or {}).get("view")
        columns = list(getattr(view, "csv_columns", None) or (rows[0].keys() if rows else []))
        if getattr(view, "csv_variant", None) == spreadsheet.EXCEL_DE:
            header = list(getattr(view, "csv_header", None) or columns)
            text = spreadsheet.excel_de_text(header, [[row.get(column, "") for column in columns] for row in rows])
            return text.encode(self.charset)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row.get(column)) for column in columns])
        return buffer.getvalue().encode(self.charset)
