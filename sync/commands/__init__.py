"""The CLI's commands, one module per area; importing this package registers them all."""

from sync.commands import daemon, dashboard, onboard, read, run, store  # noqa: F401
