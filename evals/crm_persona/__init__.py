"""The CRM-history persona eval: gates on a seeded synthetic CRM (see README.md)."""
