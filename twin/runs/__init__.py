"""Running a scenario: the runner, its results and run folder, figures, variants with
replications, the policy sandbox."""
