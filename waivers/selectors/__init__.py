"""Read queries for pages and the API."""
