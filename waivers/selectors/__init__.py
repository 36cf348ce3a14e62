"""Read queries for pages and the API, one module per audience."""
