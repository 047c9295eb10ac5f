"""The only writers: transitions, rounds, accounts, per-LAO records, sections."""
