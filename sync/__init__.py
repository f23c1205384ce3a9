"""The engine that reads, maps and writes; the scheduler; and the `sofs-sync` command line."""
