"""The twin's core, which agents/ and sensors/ may use: the clock, random streams, the city,
event logs and atomic writes."""
