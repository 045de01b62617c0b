"""openEO API routers, one module per API area."""
