"""Documents of the procedure: the registry of kinds and composing their content."""
