"""The real Celery worker fixture lives in tests/conftest.py (celery_worker_on_redis)."""
