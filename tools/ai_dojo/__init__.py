"""The AI Dojo's tools: what the mentor chat uses below its nodes."""
