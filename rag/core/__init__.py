"""What every layer may import: the settings (`newsdesk.core.settings`), the errors
(`newsdesk.core.errors`), and importing a library without extras it need not load
(`newsdesk.core.imports`).

The bottom layer: it imports nothing of newsdesk, and the write side (`newsdesk.index`), the read
side, the evals and the faces all import it.
"""
