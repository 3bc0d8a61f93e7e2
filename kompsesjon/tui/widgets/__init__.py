"""Widgets shared by the participant and host apps."""
