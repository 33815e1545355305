"""Models of the applications app, one module per concern."""
from .people import Park, Province, Role, User, ZoneLevel, ParkScope

__all__ = ["Park", "ParkScope", "Province", "Role", "User", "ZoneLevel"]
