"""Days as the product's windows of time: a local day's bounds as aware datetimes."""

from datetime import date, datetime, time

from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """The local midnight that starts `day`: the inclusive lower bound of a window of days
    (and, for the day after the last, its exclusive upper bound)."""
    return timezone.make_aware(datetime.combine(day, time.min))
