"""Pure domain helpers: no Django imports here."""
