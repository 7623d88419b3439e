"""Units of time, in the seconds every clock, duration and timestamp of the twin counts."""

MINUTE = 60.0
HOUR = 3_600.0
DAY = 86_400.0
YEAR = 365.0 * DAY  # a calendar year of 365 days, for rates given per year
