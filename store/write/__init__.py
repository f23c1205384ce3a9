"""What a run writes: upserts and their bulk paths, versions, statuses, the lease, runs, retirement."""
