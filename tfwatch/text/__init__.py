"""Text for people: durations, numbers, safe text, sparklines and JSON numbers.

Imports nothing else of tfwatch, so every layer may use it."""
