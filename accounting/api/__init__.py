"""API endpoints of a park-year's energy data and calculation results."""
