# Norwegian convention for dates with a time: "31. mars 2026 kl. 23.59".
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = r"j. F Y \k\l. H.i"
TIME_FORMAT = "H.i"
SHORT_DATE_FORMAT = "d.m.Y"
