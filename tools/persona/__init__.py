"""Persona generation helpers: demographic sampling, narrative checks, scoring, fidelity."""
