"""Running a scenario: the runner, its results and run folder, figures, variants, the policy sandbox."""
