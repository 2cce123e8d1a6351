"""The sales co-pilot's rule layer: signals in a salesperson's note, archetypes, indicators, moves."""
