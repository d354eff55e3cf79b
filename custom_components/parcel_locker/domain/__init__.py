"""The domain: pure Python, no Home Assistant imports, time passed in."""
