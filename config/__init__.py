"""Settings and per-authority configuration, validated with errors that name the file and key."""
