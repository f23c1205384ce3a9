"""The daemon: scheduled runs, a daily status recompute, health, metrics and the endpoint that serves them."""
