"""Tests of processes/repackage: the retrieval-output contract and the CCI products."""
