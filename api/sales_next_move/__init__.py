"""Routes of the sales co-pilot (workflow ``sales_next_move``): clients, sessions, the
interactions (turns) of a session, and feedback on the moves suggested."""
