"""Pure decisions over rows: the value-rule registry, completeness, locks, scoping, passwords."""
