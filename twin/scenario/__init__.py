"""Scenario files: the schema, loading with extends and overrides, and the data files a
scenario names."""
