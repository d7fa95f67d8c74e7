"""Plain data shared by every layer; imports nothing else of tfwatch."""
