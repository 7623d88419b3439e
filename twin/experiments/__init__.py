"""Many runs: sweep files and designs, the sweep and its store, analysis, regression scenarios."""
