"""The write side: the run (`run`), the daemon that schedules runs (`daemon`) and the command line (`cli`)."""
