"""One run of one authority: read, map and write each batch with its position; recompute statuses."""
