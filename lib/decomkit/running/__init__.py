"""Running stages: kernels, Papermill runs, batches, the demo organisation and the dashboard.

May import: every layer below; only ``decomkit.cli`` sits above.
"""
