"""The `sofs-sync` command line: the command registry (`main`), shared outputs, one module per area."""
