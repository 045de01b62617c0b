"""Placeholder router; filled by the work on the openEO API."""

from __future__ import annotations

from fastapi import APIRouter

from backend.routers.capabilities import API_PREFIX

router = APIRouter(prefix=API_PREFIX)
