"""Ingestion: turns files (PDF, images, DOCX, text) into typed ``Document`` objects.

Stages: sniff → store original → text layer or rasterise → preprocess → OCR → assemble.
Depends on nothing else in minhchung.
"""
