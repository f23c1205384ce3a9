"""The common practice-evidence schema, per-authority declarative mapping and element status rules.

Pure code: nothing here reads files, databases or the clock.
"""
