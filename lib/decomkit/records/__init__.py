"""What people read: the portfolio overview and page, the signed dossier and its PDF,
notebook display and the interactive widgets.

May import: the layers below (``core`` … ``lifecycle``).
"""
