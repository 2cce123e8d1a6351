"""Prompts of the embedded local models."""

# Sent when a caller gives no system message: Qwen's chat template would otherwise insert its
# own English one, and a small model answers in the language its system message is in.
SYSTEM = "Jesteś pomocnym asystentem. Odpowiadasz po polsku, krótko i konkretnie."
