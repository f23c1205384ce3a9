"""Connectors read an authority's source system, stream by stream, batch by batch.

They know nothing of the store: each batch carries the position to resume from, and the sync runner
saves that position in the same transaction as the batch's data.
"""
