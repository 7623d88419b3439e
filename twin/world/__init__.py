"""The city model: truth, the platform's observations, the systems under test and the actors,
wired on one clock."""
