"""Built-in data and models: the seed document's three examples and the C-MAPSS demo."""
