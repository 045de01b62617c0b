"""Placeholder router; filled by the work on the openEO API."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
