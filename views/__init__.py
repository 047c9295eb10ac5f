"""Blueprints and the Flask-Admin back office."""
