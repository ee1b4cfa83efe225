"""The REST API under /api/v1/ (django-ninja), its OpenAPI schema and its tokens."""
