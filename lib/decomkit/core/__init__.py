"""The ground: errors, files, text rules, canonical JSON and time, configuration and its
secrets, languages, templates, locks, mail and the sinks every written file goes through.

May import: nothing of decomkit outside ``core``.
"""
