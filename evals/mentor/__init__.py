"""The mentor's eval: two tenants' stored results (fixtures.py) and questions about them."""
