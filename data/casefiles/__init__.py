"""Figures derived from the records councils already keep: the SSDA903 return (CSV tables),
Ofsted's Annex A workbook and the wide data book (see ``docs/derived-figures.md``)."""
