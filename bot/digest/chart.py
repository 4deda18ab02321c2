"""The digest's chart: what the listed accounts owe by days overdue, as a small PNG.

Rendered with matplotlib's Agg canvas on a `Figure` of its own (no pyplot, no global state), so
two renders in two threads do not meet. matplotlib is imported by the first render, not with the
module: it is a third of a process's start-up (~0.7 s of CPU), and only the clock's digest draws.
"""

from __future__ import annotations

import io
from datetime import date

from bot.digest.views import money
from commands.digest.overdue import AgingBucket, Digest

WIDTH, HEIGHT, DPI = 6.4, 3.2, 100  # 640 by 320 pixels
BAR_COLOUR = "#1d3557"  # the app's colour (manifest.yml)


def chart_filename(day: date) -> str:
    return f"overdue-{day.isoformat()}.png"


def chart_title(digest: Digest) -> str:
    return f"Overdue by days past due, {digest.day.isoformat()}"


def chart_alt_text(buckets: list[AgingBucket], currency: str) -> str:
    """What the picture shows, in words (Slack's alt text; also the test's check)."""
    parts = [
        f"{b.label} days: {b.accounts} account{'s' if b.accounts != 1 else ''}, "
        f"{money(b.amount, currency)}"
        for b in buckets
    ]
    return "Amount overdue by days past due — " + "; ".join(parts)


def render_chart(digest: Digest) -> bytes:
    """The PNG: one bar a bucket (amount owing), each labelled with its account count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    buckets = digest.aging
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [b.label for b in buckets]
    amounts = [float(b.amount) for b in buckets]
    bars = axes.bar(labels, amounts, color=BAR_COLOUR)
    axes.bar_label(
        bars,
        labels=[f"{b.accounts} acct{'s' if b.accounts != 1 else ''}" for b in buckets],
        padding=2,
        fontsize=8,
    )
    axes.set_xlabel("days overdue (oldest invoice)")
    axes.set_ylabel(f"owing ({digest.currency})")
    axes.set_title(chart_title(digest), fontsize=10)
    axes.margins(y=0.15)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    # The alt text rides in the PNG too: what the picture shows, readable without looking.
    metadata = {"Software": None, "Description": chart_alt_text(buckets, digest.currency)}
    figure.savefig(out, format="png", metadata=metadata)
    return out.getvalue()
