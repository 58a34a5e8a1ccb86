"""simglucose's patient and CGM against a generated controller as the pump (issue 11, item
3): ``python -m examples.closed_loop --help``; docs/closed_loop.md."""
