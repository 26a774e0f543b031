"""Built-in tools a session can declare: code execution, search, URL context."""
