# Nynorsk writes dates like bokmål: "31. mars 2026 kl. 23.59". Numbers come from
# Django's own nn formats (decimal comma, space between thousands).
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = r"j. F Y \k\l. H.i"
TIME_FORMAT = "H.i"
SHORT_DATE_FORMAT = "d.m.Y"
