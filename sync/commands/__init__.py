"""The CLI's commands, one module per area; `sync.cli.COMMAND_MODULES` says which holds which."""
