"""Focus groups: analysis of persona answers, reports, charts and exports."""
