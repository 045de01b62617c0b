"""Publication: CCI product files, quicklooks, output STAC items and delivery (``canopy publish``)."""
