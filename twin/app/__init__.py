"""The rehearsal page (``twin app``): a scenario's levers as inputs, the city stepping day by
day under Mesa's SolaraViz, and the run's own figures updating as it goes (docs/app.md)."""
