"""What every layer may import: the settings (`newsdesk.core.settings`) and the errors
(`newsdesk.core.errors`).

The bottom layer: it imports nothing of newsdesk, and the write side (`newsdesk.index`), the read
side, the evals and the faces all import it.
"""
