"""The command line: ``main`` builds the parser from one module per command group; ``common`` holds what they share."""
