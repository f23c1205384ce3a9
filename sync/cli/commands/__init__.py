"""The CLI's commands, one module per area; `sync.cli.main.COMMANDS` says which holds which."""
