from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
# The OS environment wins over .env (read_env does not override variables already set).
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")
