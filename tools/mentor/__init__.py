"""The mentor's tools."""
