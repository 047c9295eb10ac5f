"""Read models and queries: overviews, progress, the public side, changes, cached filter options."""
