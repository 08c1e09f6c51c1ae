"""Chart descriptions for the public pages: one dict per chart, drawn by static/js/charts.js and also
rendered as a table (templates/public/_chart.html), so every chart has an accessible equivalent."""

from django.utils.text import slugify


def chart(
    *,
    chart_id: str,
    kind: str,
    title: str,
    labels: list[str],
    datasets: list[dict],
    label_heading: str = "",
    value_format: str = "score",
    reverse_y: bool = False,
    max_value: float | None = None,
) -> dict:
    """A chart: `kind` is a Chart.js type ("bar", "line", "radar"); `datasets` are {"label", "data"}
    with one value per label (None where there is none). `value_format` "score" shows one decimal,
    "rank" whole ranks (and with `reverse_y` rank 1 on top)."""
    chart_id = slugify(chart_id)
    return {
        "id": chart_id,
        "data_id": f"data-{chart_id}",
        "type": kind,
        "title": str(title),
        "label_heading": str(label_heading),
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(d["label"]), "data": list(d["data"])} for d in datasets],
        "rows": [
            {"label": str(label), "values": [d["data"][index] for d in datasets]} for index, label in enumerate(labels)
        ],
        "value_format": value_format,
        "reverse_y": reverse_y,
        "max_value": max_value,
    }
