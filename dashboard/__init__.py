"""The read side: the whiteboard of open cases and its terminal, JSON and HTML views.

It reads the store and the configuration, never a connector or the runner.
"""
