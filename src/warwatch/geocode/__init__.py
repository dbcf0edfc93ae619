"""Geocoding: toponyms → gazetteer places (Who's On First for the dense conflict countries,
GeoNames populated places elsewhere), transliteration-tolerant, context-aware, with ACLED's
geo_precision. See :class:`Geocoder`."""

from warwatch.geocode.geocoder import Geocoder

__all__ = ["Geocoder"]
